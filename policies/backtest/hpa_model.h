// A model of kube-controller-manager's HorizontalPodAutoscaler for one HPA with one External
// metric (pkg/controller/podautoscaler: horizontal.go, replica_calculator.go), used by backtests.
// It reproduces the replica arithmetic exactly: Value and AverageValue targets, the tolerance
// band, stabilization windows, `behavior` rate limits with selectPolicy and Percent rounding,
// the legacy rule when `behavior` is unset, and min/max clamping. Time is passed in, never read
// from a clock. Not thread-safe: one instance per simulated HPA.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/duration.h"
#include "policies/policy.h"

namespace prescale::policies {

struct HpaTarget {
  enum class Type { kValue, kAverageValue };
  Type type = Type::kAverageValue;
  double value = 1;  // target.value or target.averageValue; must be > 0
};

struct HpaSettings {
  int min_replicas = 1;
  int max_replicas = 10;
  HpaTarget target;
  std::optional<Behavior> behavior;  // nullopt: the legacy rule (normalizeDesiredReplicas)
  double tolerance = 0.1;            // --horizontal-pod-autoscaler-tolerance
  // --horizontal-pod-autoscaler-downscale-stabilization: the legacy window and the default of
  // behavior.scaleDown.stabilizationWindowSeconds.
  int downscale_stabilization_seconds = 300;
};

// autoscaling/v2 defaulting (pkg/apis/autoscaling/v2/defaults.go): every unset field of `rules`
// takes its default. scaleUp: window 0, Max, {Pods 4/15s, Percent 100/15s}; scaleDown: window
// `downscale_stabilization_seconds`, Max, {Percent 100/15s}.
ScalingRules ScaleUpRulesWithDefaults(const std::optional<ScalingRules>& rules);
ScalingRules ScaleDownRulesWithDefaults(const std::optional<ScalingRules>& rules,
                                        int downscale_stabilization_seconds);

// What the controller reads at one sync.
struct HpaObservation {
  double metric = 0;        // sum over the metric's items (the HPA sums them)
  int spec_replicas = 0;    // scale.spec.replicas
  int status_replicas = 0;  // scale.status.replicas: pods that exist, ready or not
  int ready_replicas = 0;   // Running and Ready pods (used by Value targets)
};

class HpaController {
 public:
  explicit HpaController(HpaSettings settings);

  // One reconcile at time `now` (non-decreasing between calls). Returns the replica count the
  // HPA writes to scale.spec.replicas, equal to `spec_replicas` when it does not rescale.
  int Reconcile(Duration now, const HpaObservation& observation);

  // The recommendation from the metric alone, before stabilization and limits.
  int MetricRecommendation(const HpaObservation& observation) const;

  const HpaSettings& settings() const { return settings_; }

 private:
  struct Recommendation {
    Duration at;
    int replicas;
  };
  struct ScaleEvent {
    Duration at;
    int change;  // positive
  };

  int NormalizeLegacy(Duration now, int current, int desired);
  int NormalizeWithBehavior(Duration now, int current, int desired);
  int ScaleUpLimit(Duration now, int current) const;
  int ScaleDownLimit(Duration now, int current) const;
  void RecordScaleEvent(Duration now, int previous, int next);

  HpaSettings settings_;
  ScalingRules up_;
  ScalingRules down_;
  std::vector<Recommendation> recommendations_;
  std::vector<ScaleEvent> scale_up_events_;
  std::vector<ScaleEvent> scale_down_events_;
};

}  // namespace prescale::policies
