// What a KEDA trigger asks of prescale and how it is answered from one Snapshot: the parsing of
// the trigger's `metadata` (KEDA's `scalerMetadata`) and the computation of each RPC's answer.
// Pure functions of their arguments: no I/O, no clocks, no gRPC calls; safe from any thread.
//
// Metadata keys (other keys, such as KEDA's own scalerAddress/enableTLS/unsafeSsl, are ignored):
//   metric               required  a metric prescale serves, e.g. order_flow_rate_forecast
//   targetSize           required  the per-replica target, a number > 0 (AverageValue: replicas =
//                                  ceil(value / targetSize))
//   labelSelector        optional  Kubernetes label selector over the metric's series (default:
//                                  every series)
//   activationThreshold  optional  a number >= 0 (default 0): active means value > threshold
//   metricName           optional  name reported in MetricSpec (default: the `metric` value);
//                                  KEDA names the HPA metric s<trigger index>-<metricName>
//
// Bounds (checked before anything is parsed): at most kMaxMetadataKeys keys and
// kMaxMetadataBytes bytes of keys and values in all, and a labelSelector within the label
// selector's own bounds (apiserver::kMaxSelectorBytes, kMaxSelectorRequirements). Error messages
// quote at most an excerpt of a value.
//
// The served value is the SUM of the matching series, one MetricValue per request, computed as
// the HPA computes an External metric from the items of the external metrics API: the sum of
// each item's Quantity MilliValue() (each value rounded up to milli-units, then added). The same
// targetSize thus means the same replica count through KEDA as through a plain HPA.
#pragma once

#include <grpcpp/support/status.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "adapter/keda/externalscaler.pb.h"
#include "adapter/snapshot.h"
#include "apiserver/label_selector.h"
#include "apiserver/security_metrics.h"

namespace prescale::adapter::keda {

inline constexpr size_t kMaxMetadataKeys = 32;
inline constexpr size_t kMaxMetadataBytes = 16 * 1024;

// A failed answer: the gRPC status it becomes. Codes used: INVALID_ARGUMENT (bad metadata),
// NOT_FOUND (no such metric, or no series matches the selector), UNAVAILABLE (no snapshot yet,
// or the metric's data is missing or older than its policy's max_staleness).
struct ScalerError {
  grpc::StatusCode code = grpc::StatusCode::INTERNAL;
  std::string message;
  // Set when a bound refused the request (kGrpcMetadata, kSelector), for the caller to count.
  std::optional<apiserver::Limit> limit;

  grpc::Status ToStatus() const { return grpc::Status(code, message); }
};

// A parsed and validated trigger. Copyable; immutable once parsed.
struct ScalerQuery {
  std::string ns;  // the ScaledObject's namespace: what the policy's visibility is checked for
  std::string metric;
  std::string spec_name;  // MetricSpec.metricName
  std::string selector_text;
  apiserver::LabelSelector selector;
  double target = 0;                // > 0
  int64_t target_milli = 0;         // ceil(target * 1000), > 0
  double activation_threshold = 0;  // >= 0
  int64_t activation_milli = 0;     // ceil(activation_threshold * 1000)
};

// INVALID_ARGUMENT (with `limit` kGrpcMetadata) when the metadata exceeds kMaxMetadataKeys or
// kMaxMetadataBytes; nullopt when within. Looks at the sizes only.
std::optional<ScalerError> CheckMetadataBounds(const externalscaler::ScaledObjectRef& ref);

// Parses `ref.scalerMetadata` (CheckMetadataBounds first). Errors are INVALID_ARGUMENT with a
// message naming the key, the offending value and what is expected. Does not look at any snapshot.
std::variant<ScalerQuery, ScalerError> ParseScalerMetadata(
    const externalscaler::ScaledObjectRef& ref);

// The value of a query in one snapshot.
struct ScalerAnswer {
  double sum = 0;       // plain sum of the matching series' values (informative)
  int64_t milli = 0;    // sum of apiserver::MilliValue() of each (ceil to milli), saturating
  size_t series = 0;    // number of matching series, >= 1
  bool active = false;  // milli > activation_milli
};

// `snapshot` may be null (nothing published yet: UNAVAILABLE).
std::variant<ScalerAnswer, ScalerError> Evaluate(const Snapshot* snapshot, const ScalerQuery& q);

// GetMetricSpec's answer. Needs only that the metric exists: its data may be stale and no
// series may match yet (GetMetrics reports those). Null snapshot: UNAVAILABLE.
std::variant<externalscaler::GetMetricSpecResponse, ScalerError> MetricSpecAnswer(
    const Snapshot* snapshot, const ScalerQuery& q);

// GetMetrics' answer: one MetricValue named `requested_name` (KEDA's GetMetricsRequest.metricName,
// which KEDA ignores in the reply) or, when empty, q.spec_name.
std::variant<externalscaler::GetMetricsResponse, ScalerError> MetricsAnswer(
    const Snapshot* snapshot, const ScalerQuery& q, std::string_view requested_name);

// Appends the MetricValue of `answer` named `name` to `response` (what MetricsAnswer returns).
void AddMetricValue(const ScalerAnswer& answer, std::string_view name,
                    externalscaler::GetMetricsResponse* response);

// The double that KEDA reads back as exactly `milli` milli-units. KEDA converts a float `v` with
// Go's int64(v * 1000), which truncates, so milli / 1000.0 can come back one milli short (0.29 *
// 1000 = 289.99999999999997); this returns the smallest double d >= milli / 1000.0 with
// trunc(d * 1000) == milli. For milli <= 0 it returns milli / 1000.0 (KEDA then reads the int64
// field instead); beyond 2^53 milli-units, where doubles skip integers, the nearest double.
double KedaFloat(int64_t milli);

// The deprecated int64 fields (metricValue, targetSize) in whole units: milli-units rounded UP,
// ceil(milli / 1000), consistent with the milli rounding; KEDA reads them only when the float
// field is <= 0, i.e. for 0 (and negative values).
int64_t CeilUnits(int64_t milli);

}  // namespace prescale::adapter::keda
