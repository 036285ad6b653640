// The narrow interface between the custom metrics API (custom.metrics.k8s.io) and wherever the
// numbers come from, in the spirit of custom-metrics-apiserver's CustomMetricsProvider: list the
// (resource, metric) pairs; get one metric of one named object, or of every object matching a
// selector. apiserver/ knows nothing else of the data.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "apiserver/label_selector.h"
#include "apiserver/provider.h"

namespace prescale::apiserver {

// A core/v1 ObjectReference: the object a metric value describes.
struct ObjectReference {
  std::string kind;         // "Deployment"
  std::string api_version;  // "apps/v1"
  std::string ns;           // empty for cluster-scoped objects
  std::string name;
};

// One MetricValue of a MetricValueList, before its version's encoding.
struct CustomMetricValue {
  ObjectReference object;
  std::string metric_name;
  std::chrono::system_clock::time_point timestamp;
  std::optional<int64_t> window_seconds;
  double value = 0;  // finite; non-finite values are never served
};

// One entry of discovery: the metric `metric` of objects of `resource` ("deployments.apps").
struct CustomMetricInfo {
  std::string resource;
  std::string metric;
  bool namespaced = true;

  bool operator<(const CustomMetricInfo& o) const {
    return resource != o.resource ? resource < o.resource : metric < o.metric;
  }
};

// What one request asks for, from its path and query.
struct CustomMetricQuery {
  std::string resource;  // group-resource as in the path: "deployments.apps", "pods"
  std::string ns;        // the objects' namespace; empty: cluster-scoped objects
  std::string name;      // one object, or "*": every object matching `selector`
  std::string metric;
  LabelSelector selector;         // labelSelector, with name "*" only
  LabelSelector metric_selector;  // metricLabelSelector: which series count
};

// Implementations are called concurrently from all request threads and must not block on I/O.
class CustomMetricsProvider {
 public:
  virtual ~CustomMetricsProvider() = default;

  // Every (resource, metric) that can be served, sorted.
  virtual std::vector<CustomMetricInfo> ListAllCustomMetrics() const = 0;

  // For a named object: exactly one value, or kNotFound when the metric or the object is
  // unknown (or no series passes metric_selector). For "*": the values of every matching object,
  // possibly none; kNotFound when the metric is unknown for that resource.
  virtual std::variant<std::vector<CustomMetricValue>, ProviderError> GetCustomMetric(
      const CustomMetricQuery& query) const = 0;

  // As ExternalMetricsProvider::Generation(): changes whenever an answer may change; 0 disables
  // the reuse of encoded responses.
  virtual uint64_t Generation() const { return 0; }
};

}  // namespace prescale::apiserver
