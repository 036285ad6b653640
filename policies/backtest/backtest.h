// `prescale backtest` (docs/backtest.md): replays a demand trace second by second through a
// Deployment scaled by the HPA model under strategies that see the same data: reactive (the
// latest settled bucket), seasonal_naive (also the buckets one day earlier over the lead
// window), prescale (serve's own pipeline: policies/series_pipeline.h), oracle (knows the
// future; each pod starts exactly pod-startup before it is needed) and reactive_matched (reactive
// with the headroom that costs what prescale costs); on request also perfect_forecast
// (prescale's decision on the true future demand). Pure computation: no I/O, no clocks;
// thread-safe as long as the model factory is.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/duration.h"
#include "forecasting/model.h"
#include "forecasting/trace.h"
#include "policies/policy.h"

namespace prescale::policies {

// The strategies, in report order. kPerfectForecast runs only on request.
enum class Strategy {
  kReactive = 0,
  kSeasonalNaive = 1,
  kPrescale = 2,
  kOracle = 3,
  kReactiveMatched = 4,  // reactive at the target utilization that costs what prescale costs
  kPerfectForecast = 5,
};
inline constexpr int kStrategyCount = 6;
// "reactive", "seasonal_naive", "prescale", "oracle", "reactive_matched", "perfect_forecast"
const char* StrategyName(Strategy s);

// One series of a policy's query: what serve forecasts separately.
struct SeriesTrace {
  std::map<std::string, std::string, std::less<>> labels;
  forecasting::Trace trace;
};

// Puts `series` on one grid (from the earliest start to the latest end, missing buckets 0) and
// returns their sum, what an HPA with the policy's selector sees. Errors: no series, or steps
// that differ.
std::variant<forecasting::Trace, std::string> AlignAndSum(std::vector<SeriesTrace>* series);

struct BacktestOptions {
  // What the pipeline reads (model, lead, quantile, hold, grace, refit_every, history, events)
  // and, in `backtest`, the deployment: replicas, start-up, sync period, utilization, behavior.
  Policy policy;
  // Replaces the policy's model when set (tests use known models).
  std::function<std::unique_ptr<forecasting::Model>()> make_model;
  // The series the trace is the sum of (AlignAndSum): the prescale strategy forecasts each
  // separately, as serve does; empty: the trace is one series without labels.
  std::vector<SeriesTrace> series;
  bool keep_per_second = false;  // fill BacktestResult::ready (for plots)
  // Also run Strategy::kPerfectForecast: the decision on the true demand of [now, now + lead]
  // instead of a q-forecast, what the policy's lead and hold cost with no forecast error, the
  // floor that any model's pod-seconds sit above.
  bool perfect_forecast = false;
  // reactive_matched's pod-seconds equal prescale's within this fraction (or its target
  // utilization reaches the bounds below).
  // Simulated but not accounted: figures cover the trace after it, as for a serve that had
  // loaded this much history (the models and the HPA still start at the trace's beginning).
  Duration warm_up = Duration::zero();
  double match_tolerance = 0.005;
  double min_target_utilization = 0.05;
  // Also compute the frontier (BacktestResult::frontier): reactive at each of
  // `frontier_targets`, prescale at each of `frontier_quantiles`, on `threads` threads.
  bool frontier = false;
  std::vector<double> frontier_targets = {0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65,
                                          0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0};
  std::vector<double> frontier_quantiles = {0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97, 0.99};
  int threads = 1;
};

// One point of the frontier: a strategy at one parameter.
struct FrontierPoint {
  Strategy strategy = Strategy::kReactive;  // kReactive (over targets) or kPrescale (quantiles)
  double parameter = 0;                     // the target utilization, or the quantile
  double unserved_fraction = 0;
  double pod_seconds = 0;
};

// Where unserved demand was lost, as fractions of the total demand (they sum to
// unserved_fraction).
struct LossBreakdown {
  double scheduled = 0;         // within a calendar event's window (configured or learned)
  double unscheduled_ramp = 0;  // elsewhere, within 10 minutes after an unscheduled spike onset
  double other = 0;             // the rest: fluctuations within a level
};

struct StrategyResult {
  double unserved_fraction = 0;  // sum max(0, demand - ready x capacity) / sum demand
  int64_t underprovisioned_seconds = 0;
  double pod_seconds = 0;  // starting plus ready pods, summed over seconds
  int max_replicas_used = 0;
  int64_t scale_events = 0;           // changes of the replica count
  int spikes_ready_before_onset = 0;  // leads >= 0
  int scheduled_spikes_ready = 0;     // of spikes whose class is scheduled
  int unscheduled_spikes_ready = 0;
  std::optional<double> median_spike_lead_seconds;
  LossBreakdown unserved_by_cause;
  std::optional<double> target_utilization;  // the HPA strategies' (solved for reactive_matched)
};

struct SpikeResult {
  double onset_unix = 0;
  int required = 0;         // pods needed at the onset
  int required_before = 0;  // the most needed over the previous 10 minutes
  bool scheduled = false;   // the onset lies in a calendar event's window
  // Per strategy that ran; nullopt: missed (or the strategy did not run).
  std::array<std::optional<int64_t>, kStrategyCount> lead_seconds;
};

// One row per sync period (the `--series-out` CSV).
struct SeriesRow {
  double t = 0;  // Unix seconds
  double demand = 0;
  double observed = 0;
  double forecast = 0;  // prescale's served value
  // Per strategy that ran: scale.spec.replicas and ready pods after the sync; the oracle's
  // replicas are its pods at that second.
  std::array<int, kStrategyCount> replicas{}, ready{};
};

struct BacktestResult {
  double capacity_per_pod = 0;
  double start_unix = 0;
  double step_seconds = 0;
  int64_t seconds = 0;
  int64_t warm_up_seconds = 0;  // the first seconds, not accounted
  std::string model_name;
  // Indexed by Strategy; set for the strategies that ran (all but kPerfectForecast, unless
  // requested).
  std::array<std::optional<StrategyResult>, kStrategyCount> strategies;
  // reactive_matched's unserved fraction / prescale's: how much more the forecast buys than
  // headroom at the same cost. Infinite when prescale leaves nothing unserved and
  // reactive_matched does; nullopt when neither leaves anything unserved.
  std::optional<double> equal_cost_advantage;
  std::vector<SpikeResult> spikes;
  std::vector<SeriesRow> series;
  std::vector<FrontierPoint> frontier;  // with BacktestOptions::frontier
  // The recurring events the prescale pipeline learned (policy learn_events), each with the data
  // time it was first learned; spikes after that in its window are scheduled too.
  struct LearnedEvent {
    forecasting::EventSpec event;
    double since = 0;
  };
  std::vector<LearnedEvent> learned_events;
  // Ready pods per second per strategy; empty unless BacktestOptions::keep_per_second.
  std::array<std::vector<int>, kStrategyCount> ready;

  bool ran(Strategy s) const { return strategies[static_cast<int>(s)].has_value(); }
  // REQUIRES: ran(s).
  const StrategyResult& of(Strategy s) const { return *strategies[static_cast<int>(s)]; }
};

struct BacktestError {
  std::string message;
};

// Runs the backtest. Errors: an empty trace, a step below 1 s, a policy whose model or calendar
// does not load.
std::variant<BacktestResult, BacktestError> RunBacktest(const forecasting::Trace& trace,
                                                        const BacktestOptions& options);

}  // namespace prescale::policies
