// Fuzzes the parsing of Prometheus HTTP API answers (ParseQueryResponse) and of sample value
// strings (ParseSampleValue), which read whatever Prometheus, or anything pretending to be it,
// sends back.
//
// Input: the answer body. Separately, the whole input as one sample value string.
// Invariants:
// - no exception escapes; the answer parses alike in place (with simdjson's padding spare in
//   the string's capacity, filled with garbage) and copied (without it), and alike twice on the
//   thread's reused parser;
// - a parsed answer has finite sample times;
// - an error always has a message;
// - ParseSampleValue accepts only NaN, +Inf, Inf, -Inf or finite numbers, and a finite value
//   printed in its shortest form parses back to the same double.
#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <string>

#include "adapter/prometheus_response.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using prescale::adapter::ParseError;
using prescale::adapter::ParseQueryResponse;
using prescale::adapter::ParseSampleValue;
using prescale::adapter::Series;
using Result = std::variant<std::vector<Series>, ParseError>;

bool SameDouble(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b));
}

bool SameResult(const Result& a, const Result& b) {
  if (a.index() != b.index()) return false;
  if (const auto* e = std::get_if<ParseError>(&a)) return e->message == std::get<1>(b).message;
  const auto& x = std::get<0>(a);
  const auto& y = std::get<0>(b);
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i].labels != y[i].labels || x[i].samples.size() != y[i].samples.size()) return false;
    for (size_t j = 0; j < x[i].samples.size(); ++j) {
      if (!SameDouble(x[i].samples[j].time, y[i].samples[j].time) ||
          !SameDouble(x[i].samples[j].value, y[i].samples[j].value))
        return false;
    }
  }
  return true;
}

void CheckSampleValue(std::string_view text) {
  double value = 0;
  if (!ParseSampleValue(text, &value)) return;
  if (!std::isfinite(value)) {
    const bool special = text == "NaN" || text == "+Inf" || text == "Inf" || text == "-Inf";
    FUZZ_CHECK(special, "non-finite value from " + prescale::fuzz::Printable(text));
    return;
  }
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  double back = 0;
  FUZZ_CHECK(ec == std::errc() && ParseSampleValue(std::string_view(buf, end - buf), &back) &&
                 SameDouble(back, value),
             "the shortest spelling of a parsed value does not parse back: " +
                 prescale::fuzz::Printable(text));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input = prescale::fuzz::AsText(data, size);
  CheckSampleValue(input);

  const std::string copied(input);  // capacity == size (or the small-string buffer)
  std::string padded;
  padded.reserve(size + simdjson::SIMDJSON_PADDING);
  padded.assign(input);
  padded.append(simdjson::SIMDJSON_PADDING - 1, '"');  // garbage in the spare capacity
  padded.resize(size);

  const Result a = ParseQueryResponse(copied);
  const Result b = ParseQueryResponse(padded);
  const Result c = ParseQueryResponse(copied);
  FUZZ_CHECK(SameResult(a, b), "in-place and copied parses differ");
  FUZZ_CHECK(SameResult(a, c), "a second parse on the reused parser differs");

  if (const auto* e = std::get_if<ParseError>(&a)) {
    FUZZ_CHECK(!e->message.empty(), "an error without a message");
    return 0;
  }
  const auto& series = std::get<std::vector<Series>>(a);
  for (const Series& s : series)
    for (const auto& sample : s.samples)
      FUZZ_CHECK(std::isfinite(sample.time), "a non-finite sample time was accepted");
  return 0;
}
