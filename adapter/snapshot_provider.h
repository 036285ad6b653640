// The ExternalMetricsProvider the API server talks to, answering from the latest published
// Snapshot: no I/O and no locks on the request path. Metrics are cluster-wide: the namespace of
// the request does not filter them (an HPA in any namespace sees the same demand).
#pragma once

#include "adapter/snapshot.h"
#include "apiserver/provider.h"

namespace prescale::adapter {

class SnapshotProvider : public apiserver::ExternalMetricsProvider {
 public:
  // `holder` must outlive the provider.
  explicit SnapshotProvider(const SnapshotHolder& holder) : holder_(holder) {}

  std::vector<apiserver::MetricInfo> ListAllExternalMetrics() const override;
  std::variant<apiserver::MetricValues, apiserver::ProviderError> GetExternalMetric(
      std::string_view ns, std::string_view metric,
      const apiserver::LabelSelector& selector) const override;
  bool Ready() const override;
  uint64_t Generation() const override { return holder_.version(); }

 private:
  const SnapshotHolder& holder_;
};

}  // namespace prescale::adapter
