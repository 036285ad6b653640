// The policy file's data model: what to fetch, how to forecast, what to serve. Plain values,
// copied freely; a Config is immutable once loaded.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/duration.h"
#include "forecasting/calendar.h"
#include "policies/described_object.h"

namespace prescale::policies {

// One autoscaling/v2 HPAScalingPolicy.
struct ScalingPolicy {
  enum class Type { kPods, kPercent };
  Type type = Type::kPods;
  int value = 0;
  int period_seconds = 15;
};

// One direction of autoscaling/v2 HorizontalPodAutoscalerBehavior. Unset fields take the
// Kubernetes defaults when the HPA model applies them.
struct ScalingRules {
  std::optional<int> stabilization_window_seconds;
  enum class Select { kMax, kMin, kDisabled };
  std::optional<Select> select_policy;
  std::optional<std::vector<ScalingPolicy>> policies;
  // The metric ratio band around 1 within which this direction does not scale
  // (HPAConfigurableTolerance); unset: the controller's --horizontal-pod-autoscaler-tolerance.
  std::optional<double> tolerance;
};

struct Behavior {
  std::optional<ScalingRules> scale_up;
  std::optional<ScalingRules> scale_down;
};

// The deployment a policy scales, for `prescale backtest`.
struct BacktestSpec {
  int min_replicas = 5;
  int max_replicas = 50;
  Duration pod_startup = std::chrono::seconds(30);
  std::optional<double> capacity_per_pod;
  double target_utilization = 0.8;
  Duration sync_period = std::chrono::seconds(15);
  std::optional<Behavior> behavior;  // nullopt: the HPA's legacy rule
};

// The keys that decide what a policy serves: two policies equal here serve the same values
// (a reload keeps the state of such a policy).
struct ServingKeys {
  std::string name;
  std::string query;
  Duration step = std::chrono::seconds(15);
  Duration history = std::chrono::hours(24 * 7);
  Duration lead = std::chrono::seconds(60);
  double quantile = 0.9;
  std::string model = "auto";
  std::vector<Duration> seasonality;
  std::vector<forecasting::EventSpec> events;
  Duration max_staleness = std::chrono::minutes(10);
  Duration scale_down_hold = std::chrono::minutes(5);
  // How long after a bucket's end its sample is taken as complete (late scrapes land within it).
  Duration grace = std::chrono::seconds(10);
  Duration refit_every = std::chrono::hours(1);  // how often each series' model is refitted
  // Find recurring jumps nobody wrote in the calendar and treat them as events (at each refit).
  bool learn_events = true;
  // The most series (label sets) of the query a policy keeps: the first max_series in label
  // order; the others are dropped and counted.
  int max_series = 1000;
  std::string observed_metric;  // defaults to `name`
  std::string forecast_metric;  // defaults to `name` + "_forecast"
  // Which namespaces may read the metrics: a request from namespace N sees a series when N is
  // in `namespaces` ("*": every namespace) or the series' label `namespace_label` equals N.
  // Both empty: every namespace (logged as a warning at start-up).
  std::vector<std::string> namespaces;
  std::string namespace_label;

  bool operator==(const ServingKeys&) const = default;
};

struct Policy : ServingKeys {
  BacktestSpec backtest;  // what backtests simulate; serving ignores it
  // The object the series describe in custom.metrics.k8s.io; nullopt: served as external
  // metrics only. Not a serving key: it changes which object a value is served for, not the
  // value, so a reload that changes only the object keeps the policy's state.
  std::optional<DescribedObject> object;

  const ServingKeys& serving() const { return *this; }
};

struct PrometheusSettings {
  std::string url = "http://127.0.0.1:9090";
  Duration timeout = std::chrono::seconds(10);
};

struct Config {
  PrometheusSettings prometheus;
  Duration refresh = std::chrono::seconds(5);
  std::vector<Policy> policies;
};

}  // namespace prescale::policies
