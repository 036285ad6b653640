// The CustomMetricsProvider the API server talks to, answering from the latest published
// Snapshot like SnapshotProvider: each policy with an `object` serves both of its metrics for
// every object its series describe. An object's value is the sum of its series' values (the
// same numbers the external API serves for them), its timestamp the newest of theirs.
// Namespace visibility applies: a namespaced object's series count only when visible to its
// namespace; a cluster-scoped object's only when the policy is visible to every namespace (a
// Namespace object's when visible to that namespace). No I/O and no locks on the request path.
#pragma once

#include "adapter/snapshot.h"
#include "apiserver/custom_provider.h"

namespace prescale::adapter {

class CustomSnapshotProvider : public apiserver::CustomMetricsProvider {
 public:
  // `holder` must outlive the provider.
  explicit CustomSnapshotProvider(const SnapshotHolder& holder) : holder_(holder) {}

  std::vector<apiserver::CustomMetricInfo> ListAllCustomMetrics() const override;
  std::variant<std::vector<apiserver::CustomMetricValue>, apiserver::ProviderError> GetCustomMetric(
      const apiserver::CustomMetricQuery& query) const override;
  uint64_t Generation() const override { return holder_.version(); }

 private:
  const SnapshotHolder& holder_;
};

}  // namespace prescale::adapter
