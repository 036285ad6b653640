// Every expectation below is computed by hand from the Kubernetes controller's rules
// (pkg/controller/podautoscaler/horizontal.go, replica_calculator.go).
#include "policies/backtest/hpa_model.h"

#include <gtest/gtest.h>

#include "policies/backtest/deployment_model.h"

namespace prescale::policies {
namespace {

using std::chrono::seconds;

HpaSettings AverageValue(double target, std::optional<Behavior> behavior, int min = 5,
                         int max = 50) {
  HpaSettings s;
  s.min_replicas = min;
  s.max_replicas = max;
  s.target = {HpaTarget::Type::kAverageValue, target};
  s.behavior = std::move(behavior);
  return s;
}

HpaObservation Observe(double metric, int replicas) {
  return {metric, replicas, replicas, replicas};
}

// Drives the controller and a deployment every 15 s with a constant metric; returns the spec
// replicas after each sync.
std::vector<int> RunSyncs(HpaController& hpa, DeploymentModel& deployment, double metric, int syncs,
                          int first_sync_s = 0) {
  std::vector<int> out;
  for (int i = 0; i < syncs; ++i) {
    const Duration now = seconds(first_sync_s + 15 * i);
    const int n = deployment.Replicas();
    deployment.SetReplicas(now, hpa.Reconcile(now, {metric, n, n, deployment.Ready(now)}));
    out.push_back(deployment.Replicas());
  }
  return out;
}

ScalingRules Rules(std::vector<ScalingPolicy> policies, int window = 0,
                   ScalingRules::Select select = ScalingRules::Select::kMax) {
  ScalingRules r;
  r.stabilization_window_seconds = window;
  r.select_policy = select;
  r.policies = std::move(policies);
  return r;
}

constexpr auto kPods = ScalingPolicy::Type::kPods;
constexpr auto kPercent = ScalingPolicy::Type::kPercent;

TEST(HpaModelTest, DefaultBehaviorTakesFourSyncsFrom5To50ThenStartUp) {
  // Defaults: max(+4 pods, +100 %) per 15 s: 5 -> max(9,10)=10 -> 20 -> 40 -> min(80, max 50).
  HpaController hpa(AverageValue(10, Behavior{}));
  DeploymentModel deployment(5, seconds(30));
  EXPECT_EQ(RunSyncs(hpa, deployment, 500, 5), (std::vector<int>{10, 20, 40, 50, 50}));
  // The last 10 pods were requested at t=45 s and are ready 30 s later.
  EXPECT_EQ(deployment.Ready(seconds(74)), 40);
  EXPECT_EQ(deployment.Ready(seconds(75)), 50);
}

TEST(HpaModelTest, BehaviorAllowing45PodsPer15sScalesInOneSync) {
  Behavior b;
  b.scale_up = Rules({{kPods, 45, 15}});
  HpaController hpa(AverageValue(10, b));
  DeploymentModel deployment(5, seconds(30));
  EXPECT_EQ(RunSyncs(hpa, deployment, 500, 1), (std::vector<int>{50}));
  EXPECT_EQ(deployment.Ready(seconds(29)), 5);
  EXPECT_EQ(deployment.Ready(seconds(30)), 50);
}

TEST(HpaModelTest, AverageValueToleranceBand) {
  Behavior b;
  b.scale_down = Rules({{kPercent, 100, 15}}, /*window=*/0);
  HpaController hpa(AverageValue(10, b, 1, 100));
  // ratio = metric / (10 x 10 pods); 0.9 <= ratio <= 1.1 keeps 10 replicas.
  EXPECT_EQ(hpa.Reconcile(seconds(0), Observe(109, 10)), 10);  // ceil(10.9)=11 suppressed
  EXPECT_EQ(hpa.Reconcile(seconds(15), Observe(110, 10)), 10);
  EXPECT_EQ(hpa.Reconcile(seconds(30), Observe(90, 10)), 10);
  EXPECT_EQ(hpa.Reconcile(seconds(45), Observe(111, 10)), 12);  // ceil(11.1)
  EXPECT_EQ(hpa.Reconcile(seconds(60), Observe(89, 10)), 9);    // ceil(8.9)
}

TEST(HpaModelTest, EachDirectionHasItsOwnTolerance) {
  Behavior b;
  b.scale_up = Rules({{kPods, 100, 15}});
  b.scale_up->tolerance = 0.02;  // react to a 3 % rise
  b.scale_down = Rules({{kPercent, 100, 15}}, /*window=*/0);
  b.scale_down->tolerance = 0.25;  // but not to a 20 % fall
  HpaController hpa(AverageValue(10, b, 1, 100));
  EXPECT_EQ(hpa.Reconcile(seconds(0), Observe(103, 10)), 11);  // ratio 1.03 > 1.02: ceil(10.3)
  EXPECT_EQ(hpa.Reconcile(seconds(15), Observe(88, 11)), 11);  // ratio 0.8 >= 0.75: keep
  EXPECT_EQ(hpa.Reconcile(seconds(30), Observe(81, 11)), 9);   // ratio 0.736 < 0.75: ceil(8.1)
  // Unset: the controller's 0.1 both ways.
  Behavior defaults;
  defaults.scale_down = Rules({{kPercent, 100, 15}}, /*window=*/0);
  HpaController plain(AverageValue(10, defaults, 1, 100));
  EXPECT_EQ(plain.Reconcile(seconds(0), Observe(103, 10)), 10);
}

TEST(HpaModelTest, ValueTargetUsesReadyPods) {
  HpaSettings s;
  s.min_replicas = 1;
  s.max_replicas = 100;
  s.target = {HpaTarget::Type::kValue, 100};
  HpaController hpa(s);
  // ratio 1.05 is within tolerance: keep the spec count even with few ready pods.
  EXPECT_EQ(hpa.MetricRecommendation({105, 6, 6, 4}), 6);
  // ratio 1.5 x 4 ready pods = 6, not 1.5 x 5 spec replicas.
  EXPECT_EQ(hpa.MetricRecommendation({150, 5, 5, 4}), 6);
  // Scale-to-zero targets: ceil(ratio).
  EXPECT_EQ(hpa.MetricRecommendation({150, 0, 0, 0}), 2);
}

TEST(HpaModelTest, ScaleDownStabilizationWindowKeepsTheMaxForFiveMinutes) {
  HpaController hpa(AverageValue(10, Behavior{}));  // scaleDown window defaults to 300 s
  EXPECT_EQ(hpa.Reconcile(seconds(0), Observe(200, 20)), 20);
  // Demand falls to 5 pods' worth; the t=0 recommendation (20) holds until it is 300 s old.
  for (int t = 15; t < 300; t += 15) {
    EXPECT_EQ(hpa.Reconcile(seconds(t), Observe(50, 20)), 20) << "t=" << t;
  }
  // At t=300 the t=0 sample is no longer strictly after the cutoff.
  EXPECT_EQ(hpa.Reconcile(seconds(300), Observe(50, 20)), 5);
}

TEST(HpaModelTest, ScaleUpStabilizationWindowKeepsTheMin) {
  Behavior b;
  b.scale_up = Rules({{kPods, 100, 15}}, /*window=*/60);
  HpaController hpa(AverageValue(10, b));
  EXPECT_EQ(hpa.Reconcile(seconds(0), Observe(50, 5)), 5);
  EXPECT_EQ(hpa.Reconcile(seconds(15), Observe(200, 5)), 5);
  EXPECT_EQ(hpa.Reconcile(seconds(45), Observe(200, 5)), 5);
  EXPECT_EQ(hpa.Reconcile(seconds(60), Observe(200, 5)), 20);
}

TEST(HpaModelTest, PercentRoundsUpForScaleUpAndDownForScaleDown) {
  Behavior b;
  b.scale_up = Rules({{kPercent, 10, 60}});
  b.scale_down = Rules({{kPercent, 10, 60}});
  {
    HpaController hpa(AverageValue(10, b, 1, 100));
    EXPECT_EQ(hpa.Reconcile(seconds(0), Observe(1000, 5)), 6);  // ceil(5.5)
    // Within the 60 s period the limit counts from the period's start (5): still 6.
    EXPECT_EQ(hpa.Reconcile(seconds(15), Observe(1000, 6)), 6);
    EXPECT_EQ(hpa.Reconcile(seconds(45), Observe(1000, 6)), 6);
    EXPECT_EQ(hpa.Reconcile(seconds(60), Observe(1000, 6)), 7);  // ceil(6.6)
  }
  {
    HpaController hpa(AverageValue(10, b, 1, 100));
    EXPECT_EQ(hpa.Reconcile(seconds(0), Observe(10, 19)), 17);  // trunc(17.1)
    EXPECT_EQ(hpa.Reconcile(seconds(30), Observe(10, 17)), 17);
    EXPECT_EQ(hpa.Reconcile(seconds(60), Observe(10, 17)), 15);  // trunc(15.3)
  }
}

TEST(HpaModelTest, SelectPolicyMinAndDisabled) {
  Behavior b;
  b.scale_up = Rules({{kPods, 4, 15}, {kPercent, 100, 15}}, 0, ScalingRules::Select::kMin);
  b.scale_down = Rules({{kPercent, 100, 15}}, 0, ScalingRules::Select::kDisabled);
  HpaController hpa(AverageValue(10, b, 1, 100));
  EXPECT_EQ(hpa.Reconcile(seconds(0), Observe(1000, 10)), 14);  // min(10+4, 20)
  EXPECT_EQ(hpa.Reconcile(seconds(15), Observe(10, 14)), 14);   // scale-down disabled
}

TEST(HpaModelTest, LegacyRuleWithoutBehavior) {
  HpaController hpa(AverageValue(10, std::nullopt, 1, 50));
  // Scale-up at most to max(2 x current, 4) per sync: 1 -> 4 -> 8 -> 16 -> 32 -> 50.
  int current = 1;
  std::vector<int> seen;
  for (int t = 0; t <= 60; t += 15) {
    current = hpa.Reconcile(seconds(t), Observe(500, current));
    seen.push_back(current);
  }
  EXPECT_EQ(seen, (std::vector<int>{4, 8, 16, 32, 50}));
  // Scale-down: the max of recommendations at or after now - 300 s (inclusive, unlike
  // behavior's windows); the last 50 was recommended at t=60, so 50 holds through t=360.
  for (int t = 75; t <= 360; t += 15) {
    EXPECT_EQ(hpa.Reconcile(seconds(t), Observe(30, 50)), 50) << "t=" << t;
  }
  EXPECT_EQ(hpa.Reconcile(seconds(375), Observe(30, 50)), 3);  // no rate limit downwards
}

TEST(HpaModelTest, ClampsToMinAndMax) {
  HpaController hpa(AverageValue(10, Behavior{}, 5, 50));
  EXPECT_EQ(hpa.Reconcile(seconds(0), Observe(0, 60)), 50);    // above max: max
  EXPECT_EQ(hpa.Reconcile(seconds(15), Observe(1000, 3)), 5);  // below min: min
  EXPECT_EQ(hpa.Reconcile(seconds(30), Observe(1000, 0)), 0);  // zero replicas: disabled
  HpaController fresh(AverageValue(10, Behavior{}, 5, 50));
  EXPECT_EQ(fresh.Reconcile(seconds(0), Observe(0, 6)), 5);       // metric 0 -> clamp to min
  EXPECT_EQ(fresh.Reconcile(seconds(15), Observe(1e6, 50)), 50);  // 100000 clamped to max
}

TEST(HpaModelTest, BehaviorDefaultsFillUnsetFields) {
  ScalingRules partial;
  partial.stabilization_window_seconds = 60;
  const ScalingRules down = ScaleDownRulesWithDefaults(partial, 300);
  EXPECT_EQ(*down.stabilization_window_seconds, 60);
  EXPECT_EQ(*down.select_policy, ScalingRules::Select::kMax);
  ASSERT_EQ(down.policies->size(), 1u);
  EXPECT_EQ((*down.policies)[0].type, kPercent);
  EXPECT_EQ(*ScaleDownRulesWithDefaults(std::nullopt, 120).stabilization_window_seconds, 120);
  const ScalingRules up = ScaleUpRulesWithDefaults(std::nullopt);
  EXPECT_EQ(*up.stabilization_window_seconds, 0);
  EXPECT_EQ(up.policies->size(), 2u);
}

TEST(DeploymentModelTest, RemovesStartingPodsFirst) {
  DeploymentModel d(5, seconds(30));
  d.SetReplicas(seconds(0), 10);
  d.SetReplicas(seconds(10), 8);  // two of the five starting pods go
  EXPECT_EQ(d.Replicas(), 8);
  EXPECT_EQ(d.Ready(seconds(29)), 5);
  EXPECT_EQ(d.Ready(seconds(30)), 8);
  d.SetReplicas(seconds(40), 3);  // then ready pods
  EXPECT_EQ(d.Ready(seconds(40)), 3);
}

}  // namespace
}  // namespace prescale::policies
