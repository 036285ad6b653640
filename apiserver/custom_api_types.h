// JSON encodings of the custom metrics API's objects (custom.metrics.k8s.io v1beta2 and
// v1beta1, k8s.io/metrics pkg/apis/custom_metrics): the MetricValueList of each version, its
// discovery documents, and a label selector as a metav1.LabelSelector. Pure, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "apiserver/custom_provider.h"

namespace prescale::apiserver {

inline constexpr std::string_view kCustomGroup = "custom.metrics.k8s.io";
inline constexpr std::string_view kCustomV1beta2 = "v1beta2";  // preferred
inline constexpr std::string_view kCustomV1beta1 = "v1beta1";

// Whether `version` is one the custom group serves.
bool IsCustomVersion(std::string_view version);

// The MetricValueList of `values` in `version`. v1beta2 items carry `metric: {name, selector}`
// and `windowSeconds`; v1beta1 items `metricName`, `window` and `selector` (null when unset).
// The selector is `metric_selector` (the request's metricLabelSelector), omitted when empty.
// Items whose value is not finite are left out.
std::string EncodeMetricValueList(std::string_view version,
                                  const std::vector<CustomMetricValue>& values,
                                  const LabelSelector& metric_selector);

// GET /apis/custom.metrics.k8s.io/<version>: one resource `<resource>/<metric>` per entry, kind
// MetricValueList, verbs ["get"], as custom-metrics-apiserver's resource lister writes them.
std::string EncodeCustomApiResourceList(std::string_view version,
                                        const std::vector<CustomMetricInfo>& metrics);

// GET /apis/custom.metrics.k8s.io: both versions, v1beta2 preferred.
std::string EncodeCustomApiGroup();

// metav1.ParseToLabelSelector of `selector`'s text: `=`/`==` as matchLabels, the other
// operators as matchExpressions (`!=` as NotIn with one value).
std::string EncodeLabelSelector(const LabelSelector& selector);

}  // namespace prescale::apiserver
