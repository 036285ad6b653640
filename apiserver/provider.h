// The narrow interface between the API protocol layer and wherever the numbers come from, in the
// spirit of custom-metrics-apiserver's ExternalMetricsProvider: list the metrics; get the values
// of one metric for a namespace and a label selector. apiserver/ knows nothing else of the data.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "apiserver/label_selector.h"

namespace prescale::apiserver {

// One item of an ExternalMetricValueList.
struct ExternalMetricValue {
  std::string metric_name;
  Labels labels;
  std::chrono::system_clock::time_point timestamp;
  std::optional<int64_t> window_seconds;
  double value = 0;  // finite; non-finite values are never served

  // The item's JSON, as EncodeExternalMetricValue() writes it. Providers that serve the same
  // item many times precompute it once (a snapshot does); when empty, it is encoded per request.
  std::string json;
};

// The values of one request. `owner` keeps the pointed-to items alive (e.g. the snapshot they
// live in), so no copy is made on the request path.
struct MetricValues {
  std::shared_ptr<const void> owner;
  std::vector<const ExternalMetricValue*> items;
};

// Why a provider could not answer; the API layer maps each kind to a Kubernetes Status.
struct ProviderError {
  enum class Kind {
    kNotFound,     // no such metric: 404 NotFound
    kUnavailable,  // the metric exists but its data is not fresh enough to serve: 503
    kInternal,     // anything else: 500
  };
  Kind kind = Kind::kInternal;
  std::string message;
};

struct MetricInfo {
  std::string name;
};

// Implementations are called concurrently from all request threads and must not block on I/O.
class ExternalMetricsProvider {
 public:
  virtual ~ExternalMetricsProvider() = default;

  // Every metric name that can be served, sorted.
  virtual std::vector<MetricInfo> ListAllExternalMetrics() const = 0;

  // The values of `metric` whose labels match `selector`, in a stable order. `ns` is the
  // requesting HPA's namespace.
  virtual std::variant<MetricValues, ProviderError> GetExternalMetric(
      std::string_view ns, std::string_view metric, const LabelSelector& selector) const = 0;

  // False until the provider has data to serve (drives /readyz).
  virtual bool Ready() const = 0;

  // A number that changes whenever any answer of GetExternalMetric may change (e.g. the version
  // of the published snapshot). While it stays the same, the API layer reuses the response it
  // encoded for the same request. 0 disables that reuse.
  virtual uint64_t Generation() const { return 0; }
};

}  // namespace prescale::apiserver
