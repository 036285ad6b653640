#include "adapter/keda/scaler_query.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "apiserver/quantity.h"

namespace prescale::adapter::keda {
namespace {

using grpc::StatusCode;

ScalerError Invalid(std::string message) {
  return {StatusCode::INVALID_ARGUMENT, "scalerMetadata." + std::move(message)};
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A finite decimal number ("2000", "1.5", "2e3"); nullopt for anything else (including "nan",
// "inf", trailing garbage and Quantity suffixes such as "2k").
std::optional<double> ParseNumber(std::string_view text) {
  text = Trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(value))
    return std::nullopt;
  return value;
}

const std::string* Lookup(const externalscaler::ScaledObjectRef& ref, const char* key) {
  const auto it = ref.scalermetadata().find(key);
  return it == ref.scalermetadata().end() ? nullptr : &it->second;
}

// An excerpt of a client's value: error messages never echo a whole (large) value.
std::string Quoted(std::string_view s) { return "\"" + apiserver::SelectorExcerpt(s) + "\""; }

}  // namespace

std::optional<ScalerError> CheckMetadataBounds(const externalscaler::ScaledObjectRef& ref) {
  const auto& metadata = ref.scalermetadata();
  if (static_cast<size_t>(metadata.size()) > kMaxMetadataKeys)
    return ScalerError{StatusCode::INVALID_ARGUMENT,
                       "scalerMetadata has " + std::to_string(metadata.size()) + " keys, at most " +
                           std::to_string(kMaxMetadataKeys),
                       apiserver::Limit::kGrpcMetadata};
  size_t bytes = 0;
  for (const auto& [key, value] : metadata) bytes += key.size() + value.size();
  if (bytes > kMaxMetadataBytes)
    return ScalerError{StatusCode::INVALID_ARGUMENT,
                       "scalerMetadata is " + std::to_string(bytes) + " bytes, at most " +
                           std::to_string(kMaxMetadataBytes),
                       apiserver::Limit::kGrpcMetadata};
  return std::nullopt;
}

namespace {

// The metric named by `q`, or the error for a missing snapshot or an unknown name.
std::variant<const ServedMetric*, ScalerError> FindMetric(const Snapshot* snapshot,
                                                          const ScalerQuery& q) {
  if (!snapshot) return ScalerError{StatusCode::UNAVAILABLE, "no data loaded yet"};
  if (const ServedMetric* m = snapshot->Find(q.metric); m && m->visibility.Readable(q.ns)) return m;
  std::string served;
  int listed = 0;
  for (const auto& [name, metric] : snapshot->metrics()) {
    if (!metric.visibility.Readable(q.ns)) continue;
    if (listed++ == 10) {
      served += ", ...";
      break;
    }
    served += (served.empty() ? "" : ", ") + name;
  }
  return ScalerError{
      StatusCode::NOT_FOUND,
      "metric " + Quoted(q.metric) + " is not served by prescale (served: " + served + ")"};
}

}  // namespace

std::variant<ScalerQuery, ScalerError> ParseScalerMetadata(
    const externalscaler::ScaledObjectRef& ref) {
  if (std::optional<ScalerError> error = CheckMetadataBounds(ref)) return std::move(*error);
  ScalerQuery q;
  q.ns = ref.namespace_();
  const std::string* metric = Lookup(ref, "metric");
  if (!metric || Trim(*metric).empty())
    return Invalid(
        "metric is required: the name of a metric prescale serves, e.g. "
        "order_flow_rate_forecast");
  q.metric = std::string(Trim(*metric));

  const std::string* target = Lookup(ref, "targetSize");
  if (!target || Trim(*target).empty())
    return Invalid("targetSize is required: the value one replica handles, a number > 0");
  const std::optional<double> target_value = ParseNumber(*target);
  if (!target_value) return Invalid("targetSize " + Quoted(*target) + " is not a number");
  q.target = *target_value;
  q.target_milli = apiserver::MilliValue(q.target).value_or(0);
  if (q.target <= 0 || q.target_milli <= 0)
    return Invalid("targetSize must be > 0, got " + Quoted(*target));

  if (const std::string* selector = Lookup(ref, "labelSelector")) {
    std::string error;
    bool too_large = false;
    std::optional<apiserver::LabelSelector> parsed =
        apiserver::LabelSelector::Parse(*selector, &error, &too_large);
    if (!parsed) {
      ScalerError invalid = Invalid("labelSelector " + Quoted(*selector) + ": " + error);
      if (too_large) invalid.limit = apiserver::Limit::kSelector;
      return invalid;
    }
    q.selector = std::move(*parsed);
    q.selector_text = *selector;
  }

  if (const std::string* threshold = Lookup(ref, "activationThreshold")) {
    const std::optional<double> value = ParseNumber(*threshold);
    if (!value) return Invalid("activationThreshold " + Quoted(*threshold) + " is not a number");
    if (*value < 0) return Invalid("activationThreshold must be >= 0, got " + Quoted(*threshold));
    q.activation_threshold = *value;
    q.activation_milli = apiserver::MilliValue(*value).value_or(0);
  }

  const std::string* spec_name = Lookup(ref, "metricName");
  q.spec_name = spec_name && !Trim(*spec_name).empty() ? std::string(Trim(*spec_name)) : q.metric;
  return q;
}

std::variant<ScalerAnswer, ScalerError> Evaluate(const Snapshot* snapshot, const ScalerQuery& q) {
  auto found = FindMetric(snapshot, q);
  if (auto* error = std::get_if<ScalerError>(&found)) return std::move(*error);
  const ServedMetric& metric = *std::get<const ServedMetric*>(found);
  if (metric.state != ServedMetric::State::kOk) {
    std::string reason = metric.unavailable_reason.empty()
                             ? std::string(metric.state == ServedMetric::State::kNoData
                                               ? "no data yet"
                                               : "data older than max_staleness")
                             : metric.unavailable_reason;
    return ScalerError{StatusCode::UNAVAILABLE, "metric " + Quoted(q.metric) + ": " + reason};
  }
  ScalerAnswer answer;
  for (const apiserver::ExternalMetricValue& v : metric.values) {
    if (!metric.visibility.Visible(q.ns, v.labels) || !q.selector.Matches(v.labels)) continue;
    answer.sum += v.value;
    ++answer.series;
    // The HPA sums the items' MilliValue(); so does this, saturating like Quantity.
    const int64_t milli = apiserver::MilliValue(v.value).value_or(0);
    if (__builtin_add_overflow(answer.milli, milli, &answer.milli))
      answer.milli = milli > 0 ? INT64_MAX : INT64_MIN;
  }
  if (answer.series == 0)
    return ScalerError{StatusCode::NOT_FOUND, "no series of metric " + Quoted(q.metric) +
                                                  " matches labelSelector " +
                                                  Quoted(q.selector_text)};
  answer.active = answer.milli > q.activation_milli;
  return answer;
}

std::variant<externalscaler::GetMetricSpecResponse, ScalerError> MetricSpecAnswer(
    const Snapshot* snapshot, const ScalerQuery& q) {
  auto found = FindMetric(snapshot, q);
  if (auto* error = std::get_if<ScalerError>(&found)) return std::move(*error);
  externalscaler::GetMetricSpecResponse response;
  externalscaler::MetricSpec* spec = response.add_metricspecs();
  spec->set_metricname(q.spec_name);
  spec->set_targetsizefloat(KedaFloat(q.target_milli));
  spec->set_targetsize(CeilUnits(q.target_milli));
  return response;
}

std::variant<externalscaler::GetMetricsResponse, ScalerError> MetricsAnswer(
    const Snapshot* snapshot, const ScalerQuery& q, std::string_view requested_name) {
  auto evaluated = Evaluate(snapshot, q);
  if (auto* error = std::get_if<ScalerError>(&evaluated)) return std::move(*error);
  externalscaler::GetMetricsResponse response;
  AddMetricValue(std::get<ScalerAnswer>(evaluated),
                 requested_name.empty() ? std::string_view(q.spec_name) : requested_name,
                 &response);
  return response;
}

void AddMetricValue(const ScalerAnswer& answer, std::string_view name,
                    externalscaler::GetMetricsResponse* response) {
  externalscaler::MetricValue* value = response->add_metricvalues();
  value->set_metricname(std::string(name));
  value->set_metricvaluefloat(KedaFloat(answer.milli));
  value->set_metricvalue(CeilUnits(answer.milli));
}

double KedaFloat(int64_t milli) {
  double d = static_cast<double>(milli) / 1000.0;
  if (milli <= 0 || milli > (int64_t{1} << 53)) return d;
  // d is within one ulp of milli / 1000, so a few steps up always reach trunc(d * 1000) == milli.
  for (int i = 0; i < 8 && static_cast<int64_t>(d * 1000.0) < milli; ++i)
    d = std::nextafter(d, std::numeric_limits<double>::infinity());
  return d;
}

int64_t CeilUnits(int64_t milli) {
  const int64_t units = milli / 1000;  // truncates toward zero
  return milli % 1000 > 0 ? units + 1 : units;
}

}  // namespace prescale::adapter::keda
