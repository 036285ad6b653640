#include "policies/backtest/hpa_model.h"

#include <algorithm>
#include <climits>
#include <cmath>

namespace prescale::policies {
namespace {

using std::chrono::seconds;

// Quantity.MilliValue(): the HPA compares integers in milli-units, rounding up. The tolerance
// absorbs binary noise so that 0.1 is 100 milli, not 101.
int64_t MilliValue(double v) {
  const double milli = v * 1000.0;
  const double nearest = std::round(milli);
  if (std::abs(milli - nearest) < 1e-6) return static_cast<int64_t>(nearest);
  return static_cast<int64_t>(std::ceil(milli));
}

int ClampToInt32(double v) {
  if (!(v < static_cast<double>(INT_MAX))) return INT_MAX;
  if (v < static_cast<double>(INT_MIN)) return INT_MIN;
  return static_cast<int>(v);
}

int LongestPeriodSeconds(const ScalingRules& rules) {
  int longest = 0;
  for (const ScalingPolicy& p : *rules.policies) longest = std::max(longest, p.period_seconds);
  return longest;
}

}  // namespace

ScalingRules ScaleUpRulesWithDefaults(const std::optional<ScalingRules>& rules) {
  ScalingRules r = rules.value_or(ScalingRules{});
  if (!r.stabilization_window_seconds) r.stabilization_window_seconds = 0;
  if (!r.select_policy) r.select_policy = ScalingRules::Select::kMax;
  if (!r.policies) {
    r.policies = std::vector<ScalingPolicy>{{ScalingPolicy::Type::kPods, 4, 15},
                                            {ScalingPolicy::Type::kPercent, 100, 15}};
  }
  return r;
}

ScalingRules ScaleDownRulesWithDefaults(const std::optional<ScalingRules>& rules,
                                        int downscale_stabilization_seconds) {
  ScalingRules r = rules.value_or(ScalingRules{});
  if (!r.stabilization_window_seconds)
    r.stabilization_window_seconds = downscale_stabilization_seconds;
  if (!r.select_policy) r.select_policy = ScalingRules::Select::kMax;
  if (!r.policies) {
    r.policies = std::vector<ScalingPolicy>{{ScalingPolicy::Type::kPercent, 100, 15}};
  }
  return r;
}

HpaController::HpaController(HpaSettings settings) : settings_(std::move(settings)) {
  const Behavior behavior = settings_.behavior.value_or(Behavior{});
  up_ = ScaleUpRulesWithDefaults(behavior.scale_up);
  down_ =
      ScaleDownRulesWithDefaults(behavior.scale_down, settings_.downscale_stabilization_seconds);
}

// replica_calculator.go: GetExternalPerPodMetricReplicas and GetExternalMetricReplicas.
int HpaController::MetricRecommendation(const HpaObservation& o) const {
  const double usage = static_cast<double>(MilliValue(o.metric));
  const double target = static_cast<double>(MilliValue(settings_.target.value));
  // Tolerances.isWithin: each direction's own band (behavior.*.tolerance), or the controller's.
  const double below = down_.tolerance.value_or(settings_.tolerance);
  const double above = up_.tolerance.value_or(settings_.tolerance);
  auto within = [below, above](double ratio) {
    return 1.0 - below <= ratio && ratio <= 1.0 + above;
  };
  if (settings_.target.type == HpaTarget::Type::kAverageValue) {
    const double ratio = usage / (target * static_cast<double>(o.status_replicas));
    if (within(ratio)) return o.status_replicas;
    return ClampToInt32(std::ceil(usage / target));
  }
  const double ratio = usage / target;
  if (o.spec_replicas == 0) return ClampToInt32(std::ceil(ratio));
  if (within(ratio)) return o.spec_replicas;
  return ClampToInt32(std::ceil(ratio * static_cast<double>(o.ready_replicas)));
}

// horizontal.go: reconcileAutoscaler, the part that picks desiredReplicas.
int HpaController::Reconcile(Duration now, const HpaObservation& o) {
  const int current = o.spec_replicas;
  if (current == 0 && settings_.min_replicas != 0) return 0;  // scaling disabled
  int desired = 0;
  if (current > settings_.max_replicas) {
    desired = settings_.max_replicas;
  } else if (current < settings_.min_replicas) {
    desired = settings_.min_replicas;
  } else {
    desired = std::max(0, MetricRecommendation(o));
    desired = settings_.behavior ? NormalizeWithBehavior(now, current, desired)
                                 : NormalizeLegacy(now, current, desired);
  }
  if (desired != current) RecordScaleEvent(now, current, desired);
  return desired;
}

// normalizeDesiredReplicas: the max recommendation of the downscale window (samples at or after
// the cutoff count), then scale-up at most to max(2 x current, 4), then [min, max].
int HpaController::NormalizeLegacy(Duration now, int current, int desired) {
  const Duration cutoff = now - seconds(settings_.downscale_stabilization_seconds);
  int stabilized = desired;
  for (const Recommendation& r : recommendations_) {
    if (r.at >= cutoff) stabilized = std::max(stabilized, r.replicas);
  }
  std::erase_if(recommendations_, [&](const Recommendation& r) { return r.at < cutoff; });
  recommendations_.push_back({now, desired});

  const int scale_up_limit = std::max(2 * current, 4);
  const int maximum = std::min(settings_.max_replicas, scale_up_limit);
  if (stabilized < settings_.min_replicas) return settings_.min_replicas;
  if (stabilized > maximum) return maximum;
  return stabilized;
}

// normalizeDesiredReplicasWithBehaviors: stabilizeRecommendationWithBehaviors (samples strictly
// after each cutoff count) then convertDesiredReplicasWithBehaviorRate.
int HpaController::NormalizeWithBehavior(Duration now, int current, int desired) {
  const Duration up_cutoff = now - seconds(*up_.stabilization_window_seconds);
  const Duration down_cutoff = now - seconds(*down_.stabilization_window_seconds);
  int up = desired;
  int down = desired;
  for (const Recommendation& r : recommendations_) {
    if (r.at > up_cutoff) up = std::min(up, r.replicas);
    if (r.at > down_cutoff) down = std::max(down, r.replicas);
  }
  std::erase_if(recommendations_,
                [&](const Recommendation& r) { return r.at < up_cutoff && r.at < down_cutoff; });
  recommendations_.push_back({now, desired});

  int stabilized = std::min(std::max(current, up), down);
  if (stabilized > current) {
    const int limit = std::max(ScaleUpLimit(now, current), current);
    return std::min(stabilized, std::min(settings_.max_replicas, limit));
  }
  if (stabilized < current) {
    const int limit = std::min(ScaleDownLimit(now, current), current);
    return std::max(stabilized, std::max(settings_.min_replicas, limit));
  }
  return stabilized;
}

namespace {

int ChangeInPeriod(Duration now, int period_seconds, const auto& events) {
  const Duration cutoff = now - std::chrono::seconds(period_seconds);
  int change = 0;
  for (const auto& e : events) {
    if (e.at > cutoff) change += e.change;
  }
  return change;
}

}  // namespace

// calculateScaleUpLimitWithScalingRules.
int HpaController::ScaleUpLimit(Duration now, int current) const {
  if (*up_.select_policy == ScalingRules::Select::kDisabled) return current;
  const bool pick_min = *up_.select_policy == ScalingRules::Select::kMin;
  int result = pick_min ? INT_MAX : INT_MIN;
  for (const ScalingPolicy& p : *up_.policies) {
    const int start = current - ChangeInPeriod(now, p.period_seconds, scale_up_events_) +
                      ChangeInPeriod(now, p.period_seconds, scale_down_events_);
    int proposed = 0;
    if (p.type == ScalingPolicy::Type::kPods) {
      proposed = start + p.value;
    } else {
      // Rounded up, as Kubernetes does, so that a small deployment can always grow.
      proposed = ClampToInt32(
          std::ceil(static_cast<double>(start) * (1 + static_cast<double>(p.value) / 100)));
    }
    result = pick_min ? std::min(result, proposed) : std::max(result, proposed);
  }
  return result;
}

// calculateScaleDownLimitWithBehaviors.
int HpaController::ScaleDownLimit(Duration now, int current) const {
  if (*down_.select_policy == ScalingRules::Select::kDisabled) return current;
  const bool pick_min = *down_.select_policy == ScalingRules::Select::kMin;
  int result = pick_min ? INT_MIN : INT_MAX;
  for (const ScalingPolicy& p : *down_.policies) {
    const int start = current - ChangeInPeriod(now, p.period_seconds, scale_up_events_) +
                      ChangeInPeriod(now, p.period_seconds, scale_down_events_);
    int proposed = 0;
    if (p.type == ScalingPolicy::Type::kPods) {
      proposed = start - p.value;
    } else {
      // Truncated toward zero, as Kubernetes does.
      proposed =
          ClampToInt32(static_cast<double>(start) * (1 - static_cast<double>(p.value) / 100));
    }
    result = pick_min ? std::max(result, proposed) : std::min(result, proposed);
  }
  return result;
}

// storeScaleEvent: only kept when `behavior` is set, and only as long as the longest period.
void HpaController::RecordScaleEvent(Duration now, int previous, int next) {
  if (!settings_.behavior) return;
  const bool up = next > previous;
  std::vector<ScaleEvent>& events = up ? scale_up_events_ : scale_down_events_;
  // Both directions read both lists, so keep events as long as the longest period of either.
  const Duration horizon =
      now - seconds(std::max(LongestPeriodSeconds(up_), LongestPeriodSeconds(down_)));
  std::erase_if(events, [&](const ScaleEvent& e) { return e.at <= horizon; });
  events.push_back({now, up ? next - previous : previous - next});
}

}  // namespace prescale::policies
