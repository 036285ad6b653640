#include "adapter/prometheus_response.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

namespace prescale::adapter {
namespace {

namespace dom = simdjson::dom;

// The DOM API dispatches at run time to the best kernel of the CPU (the On Demand API would be
// fixed at compile time, to the generic kernel for a portable build).

std::string_view String(dom::element v, const char* where) {
  std::string_view s;
  if (v.get_string().get(s)) throw ParseError{std::string(where) + " is not a string"};
  return s;
}

// [time, "value"]
Sample ParseSample(dom::element v, const char* where) {
  dom::array pair;
  if (v.get_array().get(pair) || pair.size() != 2)
    throw ParseError{std::string(where) + ": a sample is not [time, value]"};
  Sample sample;
  auto it = pair.begin();
  if ((*it).get_double().get(sample.time))
    throw ParseError{std::string(where) + ": sample time is not a number"};
  ++it;
  const std::string_view text = String(*it, where);
  if (!ParseSampleValue(text, &sample.value))
    throw ParseError{std::string(where) + ": sample value \"" + std::string(text) +
                     "\" is not a number"};
  return sample;
}

Series ParseSeries(dom::element v) {
  dom::object object;
  if (v.get_object().get(object)) throw ParseError{"an element of data.result is not an object"};
  Series series;
  for (const dom::key_value_pair field : object) {
    if (field.key == "metric") {
      dom::object labels;
      if (field.value.get_object().get(labels))
        throw ParseError{"data.result[].metric is not an object"};
      for (const dom::key_value_pair label : labels)
        series.labels.emplace(std::string(label.key),
                              std::string(String(label.value, "data.result[].metric")));
    } else if (field.key == "values") {
      dom::array samples;
      if (field.value.get_array().get(samples))
        throw ParseError{"data.result[].values is not an array"};
      series.samples.reserve(samples.size());
      for (const dom::element s : samples)
        series.samples.push_back(ParseSample(s, "data.result[].values"));
    } else if (field.key == "value") {
      series.samples.push_back(ParseSample(field.value, "data.result[].value"));
    }
    // Other fields (native "histograms") are not demand samples: skipped.
  }
  return series;
}

std::vector<Series> ParseData(dom::element v) {
  dom::object data;
  if (v.get_object().get(data)) throw ParseError{"field \"data\" is not an object"};
  std::string_view type;
  if (data["resultType"].get_string().get(type))
    throw ParseError{"field \"data.resultType\" is missing"};
  dom::element result;
  if (data["result"].get(result)) throw ParseError{"field \"data.result\" is missing"};
  if (type == "scalar") return {Series{{}, {ParseSample(result, "data.result")}}};
  if (type != "matrix" && type != "vector")
    throw ParseError{"unsupported resultType \"" + std::string(type) + "\""};
  dom::array items;
  if (result.get_array().get(items)) throw ParseError{"field \"data.result\" is not an array"};
  std::vector<Series> out;
  out.reserve(items.size());
  for (const dom::element item : items) out.push_back(ParseSeries(item));
  return out;
}

std::variant<std::vector<Series>, ParseError> Parse(dom::element root) {
  dom::object object;
  if (root.get_object().get(object)) return ParseError{"the answer is not a JSON object"};
  std::string_view status;
  if (object["status"].get_string().get(status)) return ParseError{"field \"status\" is missing"};
  if (status != "success") {
    std::string_view error_type, error;
    if (object["errorType"].get_string().get(error_type)) error_type = "unknown";
    if (object["error"].get_string().get(error)) error = "no error message";
    return ParseError{"Prometheus answered " + std::string(status) + " (" +
                      std::string(error_type) + "): " + std::string(error)};
  }
  dom::element data;
  if (object["data"].get(data)) return ParseError{"field \"data\" is missing"};
  return ParseData(data);
}

}  // namespace

bool ParseSampleValue(std::string_view text, double* value) {
  if (text == "NaN") return *value = std::numeric_limits<double>::quiet_NaN(), true;
  if (text == "+Inf" || text == "Inf")
    return *value = std::numeric_limits<double>::infinity(), true;
  if (text == "-Inf") return *value = -std::numeric_limits<double>::infinity(), true;
  if (text.empty()) return false;
  if (text.front() == '+') text.remove_prefix(1);
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return ec == std::errc() && end == text.data() + text.size() && std::isfinite(*value);
}

std::variant<std::vector<Series>, ParseError> ParseQueryResponse(const std::string& body) {
  // One parser per thread keeps its buffers between the small answers of steady refreshes; a
  // large answer (history at start-up) gets a parser of its own, so its buffers are freed.
  constexpr size_t kLargeAnswer = size_t{8} << 20;
  thread_local dom::parser reused;
  std::optional<dom::parser> large;
  dom::parser& parser = body.size() > kLargeAnswer ? large.emplace() : reused;
  const bool padded = body.capacity() - body.size() >= simdjson::SIMDJSON_PADDING;
  dom::element root;
  if (auto error = parser.parse(body.data(), body.size(), !padded).get(root))
    return ParseError{std::string("the answer is not valid JSON: ") +
                      simdjson::error_message(error)};
  try {
    return Parse(root);
  } catch (const ParseError& e) {
    return e;
  }
}

}  // namespace prescale::adapter
