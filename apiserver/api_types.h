// JSON encodings of the Kubernetes objects prescale serves: discovery documents, the
// ExternalMetricValueList, and Status errors. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "apiserver/provider.h"

namespace prescale::apiserver {

inline constexpr std::string_view kGroup = "external.metrics.k8s.io";
inline constexpr std::string_view kVersion = "v1beta1";
inline constexpr std::string_view kGroupVersion = "external.metrics.k8s.io/v1beta1";

// One ExternalMetricValue item as a JSON object. Returns an empty string if the value is not
// finite (such an item must not be served).
std::string EncodeExternalMetricValue(const ExternalMetricValue& value);

// The ExternalMetricValueList of `values`, reusing each item's precomputed `json` when present.
std::string EncodeExternalMetricValueList(const MetricValues& values);

// GET /apis/external.metrics.k8s.io/v1beta1: one namespaced resource per metric.
std::string EncodeApiResourceList(const std::vector<MetricInfo>& metrics);
// GET /apis/external.metrics.k8s.io
std::string EncodeApiGroup();
// GET /apis: the external group, then, `with_custom`, the custom metrics group.
std::string EncodeApiGroupList(bool with_custom = false);

// A metav1.Status failure object, e.g. (404, "NotFound", "the server could not find ...").
// `details` (may be empty) is the JSON of metav1.StatusDetails.
std::string EncodeStatus(int code, std::string_view reason, std::string_view message,
                         std::string_view details_json = {});

}  // namespace prescale::apiserver
