#include "policies/backtest/deployment_model.h"

#include <algorithm>

namespace prescale::policies {

DeploymentModel::DeploymentModel(int initial_ready, Duration startup) : startup_(startup) {
  // Initial pods have been ready forever.
  requested_at_.assign(std::max(0, initial_ready), Duration::min() / 2);
}

void DeploymentModel::SetReplicas(Duration now, int replicas) {
  replicas = std::max(0, replicas);
  while (Replicas() < replicas) requested_at_.push_back(now);
  while (Replicas() > replicas) requested_at_.pop_back();  // newest, i.e. starting, first
}

int DeploymentModel::Ready(Duration now) const {
  // Requests are sorted, so the ready pods are a prefix.
  const auto end = std::upper_bound(requested_at_.begin(), requested_at_.end(), now - startup_);
  return static_cast<int>(end - requested_at_.begin());
}

}  // namespace prescale::policies
