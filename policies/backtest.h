// `prescale backtest` (CONTRACT.md): replays a demand trace second by second through a
// Deployment scaled by the HPA model under four strategies that see the same data: reactive
// (the latest observed bucket), seasonal_naive (also the buckets one day earlier over the lead
// window), prescale (the decision on a forecasting model's q-forecast) and oracle (knows the
// future; each pod starts exactly pod-startup before it is needed); on request also
// perfect_forecast (prescale's decision on the true future demand). Pure computation: no I/O,
// no clocks; thread-safe as long as the model factory is.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
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

enum class Strategy { kReactive = 0, kSeasonalNaive = 1, kPrescale = 2, kOracle = 3 };
inline constexpr int kStrategyCount = 4;
const char* StrategyName(Strategy s);  // "reactive", "seasonal_naive", "prescale", "oracle"

struct BacktestOptions {
  BacktestSpec deployment;  // replicas, start-up, sync period, utilization, behavior
  Duration lead = std::chrono::seconds(60);
  double quantile = 0.9;
  Duration scale_down_hold = std::chrono::minutes(5);
  std::vector<CalendarEvent> events;
  // Builds the prescale strategy's model (unfitted). Required.
  std::function<std::unique_ptr<forecasting::Model>()> make_model;
  // The model is refitted on all history seen so far when history doubles, and at least this
  // often; between refits it is updated online, one bucket at a time.
  Duration refit_every = std::chrono::hours(24);
  bool keep_per_second = false;  // fill BacktestResult::ready (for plots)
  // Also run the decision on the true demand of [now, now + lead] instead of a q-forecast
  // (BacktestResult::perfect_forecast): what the policy's lead and hold cost with no forecast
  // error, the floor that any model's pod-seconds sit above.
  bool perfect_forecast = false;
};

// The policy's backtest settings, lead, quantile, hold and events.
BacktestOptions OptionsFromPolicy(const Policy& policy);

struct StrategyResult {
  double unserved_fraction = 0;  // sum max(0, demand - ready x capacity) / sum demand
  int64_t underprovisioned_seconds = 0;
  double pod_seconds = 0;  // starting plus ready pods, summed over seconds
  int max_replicas_used = 0;
  int64_t scale_events = 0;           // changes of the replica count
  int spikes_ready_before_onset = 0;  // leads >= 0
  std::optional<double> median_spike_lead_seconds;
};

struct SpikeResult {
  double onset_unix = 0;
  int required = 0;         // pods needed at the onset
  int required_before = 0;  // the most needed over the previous 10 minutes
  std::array<std::optional<int64_t>, kStrategyCount> lead_seconds;  // nullopt: missed
};

// One row per sync period (CONTRACT.md `--series-out`).
struct SeriesRow {
  double t = 0;  // Unix seconds
  double demand = 0;
  double observed = 0;
  double forecast = 0;  // prescale's served value
  int replicas_reactive = 0, ready_reactive = 0;
  int replicas_prescale = 0, ready_prescale = 0;
  int replicas_oracle = 0;
  int replicas_seasonal_naive = 0, ready_seasonal_naive = 0;
};

struct BacktestResult {
  double capacity_per_pod = 0;
  double start_unix = 0;
  double step_seconds = 0;
  int64_t seconds = 0;
  std::string model_name;
  std::array<StrategyResult, kStrategyCount> strategies;
  std::optional<StrategyResult> perfect_forecast;  // with BacktestOptions::perfect_forecast
  std::vector<SpikeResult> spikes;
  std::vector<SeriesRow> series;
  // Ready pods per second per strategy; empty unless BacktestOptions::keep_per_second.
  std::array<std::vector<int>, kStrategyCount> ready;
};

struct BacktestError {
  std::string message;
};

// Runs the backtest. Errors: an empty trace, a step below 1 s, invalid calendar events, no
// model factory.
std::variant<BacktestResult, BacktestError> RunBacktest(const forecasting::Trace& trace,
                                                        const BacktestOptions& options);

}  // namespace prescale::policies
