#include "adapter/custom_snapshot_provider.h"

#include <algorithm>

namespace prescale::adapter {
namespace {

using apiserver::CustomMetricQuery;
using apiserver::CustomMetricValue;
using apiserver::ProviderError;

// The namespace whose visibility rules apply to `object`'s series ("" for cluster-scoped
// objects other than namespaces).
std::string_view VisibilityNamespace(const policies::DescribedObject& spec,
                                     const ObjectSeries& object) {
  if (spec.namespaced()) return object.ns;
  return spec.resource == "namespaces" ? std::string_view(object.name) : std::string_view();
}

bool SeriesVisible(const Visibility& v, std::string_view ns, const apiserver::Labels& labels) {
  if (ns.empty())
    return v.Open() || std::binary_search(v.namespaces.begin(), v.namespaces.end(), "*");
  return v.Readable(ns) && v.Visible(ns, labels);
}

// The value of `object`: the sum of its series that are visible and match the query's
// selectors; nullopt when none does.
std::optional<CustomMetricValue> ObjectValue(const ServedMetric& m, const ObjectSeries& object,
                                             const CustomMetricQuery& q) {
  const policies::DescribedObject& spec = *m.object;
  const std::string_view ns = VisibilityNamespace(spec, object);
  std::optional<CustomMetricValue> out;
  for (const size_t i : object.series) {
    const apiserver::ExternalMetricValue& v = m.values[i];
    if (!SeriesVisible(m.visibility, ns, v.labels) || !q.metric_selector.Matches(v.labels) ||
        (q.name == "*" && !q.selector.Matches(v.labels)))
      continue;
    if (!out) {
      out = CustomMetricValue{{spec.kind, spec.api_version, object.ns, object.name},
                              m.name,
                              v.timestamp,
                              v.window_seconds,
                              v.value};
    } else {
      out->value += v.value;
      out->timestamp = std::max(out->timestamp, v.timestamp);
    }
  }
  return out;
}

// Orders objects by (namespace, name), or by namespace alone, for binary searches.
using Key = std::pair<std::string_view, std::string_view>;
struct ByKey {
  static Key Of(const ObjectSeries& o) { return {o.ns, o.name}; }
  bool operator()(const ObjectSeries& o, const Key& k) const { return Of(o) < k; }
  bool operator()(const Key& k, const ObjectSeries& o) const { return k < Of(o); }
  bool operator()(const ObjectSeries& o, std::string_view ns) const { return o.ns < ns; }
  bool operator()(std::string_view ns, const ObjectSeries& o) const { return ns < o.ns; }
};

// The objects of `m` in namespace `ns` ("" for cluster-scoped ones) named `name`, or all of
// them for "*".
std::pair<std::vector<ObjectSeries>::const_iterator, std::vector<ObjectSeries>::const_iterator>
Matching(const ServedMetric& m, std::string_view ns, std::string_view name) {
  if (name == "*") return std::equal_range(m.objects.begin(), m.objects.end(), ns, ByKey{});
  return std::equal_range(m.objects.begin(), m.objects.end(), Key{ns, name}, ByKey{});
}

}  // namespace

std::vector<apiserver::CustomMetricInfo> CustomSnapshotProvider::ListAllCustomMetrics() const {
  std::vector<apiserver::CustomMetricInfo> out;
  if (const auto snapshot = holder_.Current()) {
    for (const auto& [name, metric] : snapshot->metrics()) {
      if (metric.object)
        out.push_back({metric.object->resource, name, metric.object->namespaced()});
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::variant<std::vector<CustomMetricValue>, ProviderError> CustomSnapshotProvider::GetCustomMetric(
    const CustomMetricQuery& q) const {
  const std::shared_ptr<const Snapshot> snapshot = holder_.Current();
  if (!snapshot) return ProviderError{ProviderError::Kind::kUnavailable, "no data loaded yet"};
  const ServedMetric* m = snapshot->Find(q.metric);
  const ProviderError not_found{ProviderError::Kind::kNotFound, ""};
  if (!m || !m->object || m->object->resource != q.resource ||
      m->object->namespaced() == q.ns.empty())
    return not_found;
  // A namespace the policy does not serve learns nothing, not even that the metric exists.
  if (!q.ns.empty() && !m->visibility.Readable(q.ns)) return not_found;
  if (m->state != ServedMetric::State::kOk)
    return ProviderError{ProviderError::Kind::kUnavailable, m->unavailable_reason};
  std::vector<CustomMetricValue> out;
  const auto [first, last] = Matching(*m, q.ns, q.name);
  for (auto it = first; it != last; ++it) {
    if (auto value = ObjectValue(*m, *it, q)) out.push_back(std::move(*value));
  }
  if (q.name != "*" && out.empty()) return not_found;
  return out;
}

}  // namespace prescale::adapter
