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
  const auto before = [](const ObjectSeries& o,
                         const std::pair<std::string_view, std::string_view>& k) {
    return std::make_pair(std::string_view(o.ns), std::string_view(o.name)) < k;
  };
  if (q.name == "*") {
    auto it = std::lower_bound(m->objects.begin(), m->objects.end(),
                               std::make_pair(std::string_view(q.ns), std::string_view()), before);
    for (; it != m->objects.end() && it->ns == q.ns; ++it) {
      if (auto value = ObjectValue(*m, *it, q)) out.push_back(std::move(*value));
    }
    return out;
  }
  const auto it =
      std::lower_bound(m->objects.begin(), m->objects.end(),
                       std::make_pair(std::string_view(q.ns), std::string_view(q.name)), before);
  if (it == m->objects.end() || it->ns != q.ns || it->name != q.name) return not_found;
  std::optional<CustomMetricValue> value = ObjectValue(*m, *it, q);
  if (!value) return not_found;
  out.push_back(std::move(*value));
  return out;
}

}  // namespace prescale::adapter
