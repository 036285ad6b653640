#include "adapter/snapshot_provider.h"

namespace prescale::adapter {

using apiserver::ProviderError;

std::vector<apiserver::MetricInfo> SnapshotProvider::ListAllExternalMetrics() const {
  std::vector<apiserver::MetricInfo> out;
  if (const auto snapshot = holder_.Current()) {
    for (const auto& [name, metric] : snapshot->metrics()) out.push_back({name});
  }
  return out;
}

std::variant<apiserver::MetricValues, ProviderError> SnapshotProvider::GetExternalMetric(
    std::string_view ns, std::string_view metric, const apiserver::LabelSelector& selector) const {
  std::shared_ptr<const Snapshot> snapshot = holder_.Current();
  if (!snapshot) return ProviderError{ProviderError::Kind::kUnavailable, "no data loaded yet"};
  const ServedMetric* served = snapshot->Find(metric);
  // A namespace the policy does not serve learns nothing, not even that the metric exists.
  if (!served || !served->visibility.Readable(ns))
    return ProviderError{ProviderError::Kind::kNotFound, ""};
  if (served->state != ServedMetric::State::kOk)
    return ProviderError{ProviderError::Kind::kUnavailable, served->unavailable_reason};
  apiserver::MetricValues values;
  for (const apiserver::ExternalMetricValue& v : served->values) {
    if (served->visibility.Visible(ns, v.labels) && selector.Matches(v.labels))
      values.items.push_back(&v);
  }
  values.owner = std::move(snapshot);
  return values;
}

bool SnapshotProvider::Ready() const {
  const auto snapshot = holder_.Current();
  return snapshot && snapshot->complete();
}

}  // namespace prescale::adapter
