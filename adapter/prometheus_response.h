// Parsing of Prometheus HTTP API query answers (`/api/v1/query` and `/api/v1/query_range`), as
// Prometheus, Thanos, Mimir and VictoriaMetrics write them. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "apiserver/label_selector.h"

namespace prescale::adapter {

struct Sample {
  double time = 0;   // Unix seconds
  double value = 0;  // may be NaN or +-Inf, exactly as Prometheus sent it
};

struct Series {
  apiserver::Labels labels;
  std::vector<Sample> samples;  // in the order received (ascending time)
};

struct ParseError {
  std::string message;  // e.g. `field "data.result[3].values" is not an array`
};

// Parses a success answer of resultType matrix, vector or scalar (a scalar is one series
// without labels). Parsed in place when `body` has simdjson's padding spare in its capacity (the
// client reserves it), copied into a padded buffer otherwise.
// Errors: malformed JSON, a missing field, a value that is not a number string, or an answer
// whose `status` is not "success" (the message then carries Prometheus' errorType and error).
std::variant<std::vector<Series>, ParseError> ParseQueryResponse(const std::string& body);

// Parses Prometheus' sample value strings: decimal numbers, "NaN", "+Inf", "-Inf", "Inf".
bool ParseSampleValue(std::string_view text, double* value);

}  // namespace prescale::adapter
