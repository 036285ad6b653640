// The pieces a backtest is built from: the trace on a one-second clock, the metric each strategy
// makes the HPA read, and the simulation of an HPA-scaled deployment (or of the oracle) second by
// second. Internal to policies/backtest/; not thread-safe (one simulation per thread).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "forecasting/trace.h"
#include "policies/backtest/backtest.h"
#include "policies/series_pipeline.h"

namespace prescale::policies {

// The trace on the simulator's one-second grid; `s` counts seconds from the trace start, which
// is taken as on the Unix step grid (a trace off it is simulated as if on the nearest grid
// point). Bucket i covers [i * step, (i + 1) * step) and is settled `grace` after its end: only
// then do any strategy's metric and the prescale model see it.
struct Timeline {
  const forecasting::Trace& trace;
  int64_t seconds;
  double grace;
  int64_t warm_up = 0;  // seconds simulated but not accounted (BacktestOptions::warm_up)

  int64_t BucketAt(int64_t s) const;
  double Demand(int64_t s) const { return trace.values[static_cast<size_t>(BucketAt(s))]; }
  // The newest bucket settled at second s, or -1.
  int64_t LastSettled(int64_t s) const;
  double Observed(int64_t s) const;
  // The pipeline's bucket index of trace bucket 0 (buckets are numbered from the Unix epoch).
  int64_t FirstBucket() const;
};

// What one strategy makes the HPA read at each sync, in time order.
class MetricSource {
 public:
  virtual ~MetricSource() = default;
  virtual double At(int64_t s) = 0;
};

// The latest settled bucket (what prometheus-adapter serves).
std::unique_ptr<MetricSource> MakeReactiveSource(const Timeline& tl);
// max(observed, the buckets one day before [now, now + lead]).
std::unique_ptr<MetricSource> MakeSeasonalNaiveSource(const Timeline& tl, int64_t lead_seconds);
// serve's own pipeline fed the trace as Prometheus would deliver it: each bucket's sample from
// the bucket's end on. With `series` (on the timeline's grid, summing to its trace), one
// pipeline per series and the sum of their served values, each rounded up to milli-units.
// The source refers to `series`, which must outlive it.
std::unique_ptr<MetricSource> MakePrescaleSource(const Timeline& tl,
                                                 std::shared_ptr<const PipelineSettings> settings,
                                                 const std::vector<SeriesTrace>& series = {});
// The pipeline's decision, taken at the same data times, on the true demand of the window.
std::unique_ptr<MetricSource> MakePerfectForecastSource(const Timeline& tl, const Policy& policy,
                                                        const ServedForecast& served);
// The model name of a source made by MakePrescaleSource ("" for other sources).
std::string PrescaleModelName(const MetricSource& source);
// The events its pipeline learned (empty for other sources).
std::vector<SeriesPipeline::Learned> PrescaleLearnedEvents(const MetricSource& source);

struct Run {
  StrategyResult result;
  double unserved = 0;     // demand not served, summed over seconds
  std::vector<int> ready;  // per second
  std::vector<int> replicas_at_sync;
  std::vector<int> ready_at_sync;
  std::vector<double> metric_at_sync;

  // Accumulates unserved demand, pod-seconds and the peak from one second's pod counts (from
  // the end of the warm-up on).
  void Account(const Timeline& tl, double capacity, int64_t s, int pods, int ready_pods);
};

// pods(t) = clamp(ceil(demand / capacity), min, max).
int Required(double demand, double capacity, const BacktestSpec& deployment);

// The deployment scaled by the HPA model, reading `metric_at_sync[j]` at sync j (second
// j * sync period) against the AverageValue target capacity x `target_utilization`.
Run SimulateHpa(const Timeline& tl, const BacktestSpec& deployment, double capacity,
                double target_utilization, const std::vector<double>& metric_at_sync);
// The metric of `source` at every sync of the run.
std::vector<double> MetricAtSyncs(const Timeline& tl, const BacktestSpec& deployment,
                                  MetricSource& source);

// pods(s) = max of required over [s, s + startup]; ready(s) = min of pods over [s - startup, s].
Run SimulateOracle(const Timeline& tl, const BacktestSpec& deployment, double capacity);

// One reactive run's cost and unserved demand (summed over the accounted seconds).
struct ReactivePoint {
  double pod_seconds = 0;
  double unserved = 0;
};

// The bisection of MatchReactive on any function from target utilization to reactive's figures
// (reactive's cost falls as its target rises): the target it settles on, its figures in *chosen.
double MatchTarget(const std::function<ReactivePoint(double)>& at, double pod_seconds,
                   const BacktestOptions& o, ReactivePoint* chosen);

// Reactive at the target utilization whose pod-seconds equal `pod_seconds` (within
// o.match_tolerance, or at the bounds [o.min_target_utilization, 1]), found by bisection:
// reactive's cost falls as its target rises. *target receives the solved utilization.
Run MatchReactive(const Timeline& tl, const BacktestSpec& deployment, double capacity,
                  const std::vector<double>& reactive_metric, double pod_seconds,
                  const BacktestOptions& o, double* target);

}  // namespace prescale::policies
