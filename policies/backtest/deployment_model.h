// A Deployment as backtests see it: pods are requested by the HPA, become ready `startup` after
// their request, and are removed at once when replicas go down, starting pods first (newest
// first). Time is passed in. Not thread-safe.
#pragma once

#include <deque>

#include "common/duration.h"

namespace prescale::policies {

class DeploymentModel {
 public:
  DeploymentModel(int initial_ready, Duration startup);

  // Sets scale.spec.replicas at `now` (non-decreasing between calls).
  void SetReplicas(Duration now, int replicas);

  int Replicas() const { return static_cast<int>(requested_at_.size()); }  // ready + starting
  int Ready(Duration now) const;

 private:
  Duration startup_;
  std::deque<Duration> requested_at_;  // oldest first
};

}  // namespace prescale::policies
