// `prescale tune` (docs/tune.md): searches the knobs a capacity planner owns (quantile, lead,
// scale-down hold, model, the HPA's target utilization, the width of the calendar's event
// windows) on the first part of a history and validates the recommendation on the rest.
//
// Training: every candidate is backtested on the training part alone (its first
// `train_warm_up` simulated but not accounted); its cost is its pod-seconds over those of a
// reactive HPA at the current policy's target utilization on the same seconds. The candidates
// that meet the objective's constraint and whose equal-cost advantage is at least the current
// policy's are eligible (a tuned policy must not buy its gain with headroom alone: a candidate
// that only lowers the target is what reactive_matched already is); of those, the recommended
// one minimises the objective. Validation: the recommended and the current policy are
// backtested on the whole history with the training part as warm-up, so both have seen exactly
// the training part when the validation part starts, as a serve that had loaded it would have;
// the recommendation is never chosen on the data it is judged on.
//
// Pure computation on `threads` threads; the result does not depend on their number.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/duration.h"
#include "forecasting/trace.h"
#include "policies/backtest/backtest.h"
#include "policies/policy.h"

namespace prescale::policies {

// One setting of the tuned knobs.
struct TuneKnobs {
  double quantile = 0.9;
  Duration lead = std::chrono::seconds(60);
  Duration scale_down_hold = std::chrono::minutes(5);
  std::string model = "auto";
  double target_utilization = 0.8;
  double event_window_scale = 1;  // every event's `before` and `after`, times this

  bool operator==(const TuneKnobs&) const = default;
};

// The knobs of `policy` (event_window_scale 1).
TuneKnobs KnobsOf(const Policy& policy);
// `policy` with the knobs applied.
Policy WithKnobs(const Policy& policy, const TuneKnobs& knobs);

// The values tried per knob; the candidates are every combination.
struct TuneGrid {
  std::vector<double> quantiles;
  std::vector<Duration> leads;
  std::vector<Duration> holds;
  std::vector<std::string> models;
  std::vector<double> targets;
  std::vector<double> event_window_scales;

  size_t size() const;
};

// Around `policy`: quantiles 0.8, 0.9, 0.95, 0.98; leads the policy's and twice it; holds 2m,
// 5m, 10m; the policy's model; targets 0.6-1.0 by 0.1; event windows x1 and x2 when the policy
// has events (x1 otherwise); each list also holds the policy's own value.
TuneGrid DefaultTuneGrid(const Policy& policy);

// What "best" means. With max_cost: cost <= max_cost, least unserved demand first. With only
// max_unserved: unserved_fraction <= max_unserved, least cost first. With both: both
// constraints, least unserved first. Neither: the current policy's training cost is the
// max_cost.
struct TuneObjective {
  std::optional<double> max_cost;      // pod-seconds / reactive's at the current target
  std::optional<double> max_unserved;  // a fraction of demand, e.g. 0.005
  // On the training part a candidate must meet the constraints with this margin (cost <=
  // max_cost / (1 + margin), unserved <= max_unserved / (1 + margin)): a later period rarely
  // costs exactly what the training part did. Validation checks the constraints as given.
  double margin = 0.05;
};

// A backtest's figures that tune judges by.
struct TuneFigures {
  double unserved_fraction = 0;
  double pod_seconds = 0;
  double cost = 0;  // pod_seconds / reactive's at the current policy's target, same seconds
  std::optional<double> equal_cost_advantage;  // as BacktestResult's
};

struct TuneCandidate {
  TuneKnobs knobs;
  TuneFigures train;
  bool feasible = false;  // meets the objective's constraints on the training part
  bool eligible = false;  // feasible, and an equal-cost advantage at least the current one's
  bool pareto = false;    // no other candidate has both less cost and less unserved demand
};

struct TuneOptions {
  // The current policy and its deployment. A capacity_per_pod left unset is taken from the
  // training part (its 99.9th percentile / max_replicas) and kept for the validation.
  BacktestOptions base;
  double train_fraction = 0.6;  // of the history's buckets
  // Simulated but not accounted at the start of the training part; at most half of it.
  Duration train_warm_up = std::chrono::hours(24);
  TuneGrid grid;
  TuneObjective objective;
  int threads = 1;
  // Called after each evaluated candidate with (done, total), from worker threads, one call at
  // a time.
  std::function<void(size_t, size_t)> progress;
};

struct TuneResult {
  double capacity_per_pod = 0;
  double split_unix = 0;  // where the validation part starts
  int64_t train_warm_up_seconds = 0;
  TuneObjective objective;                // with the defaulted max_cost filled in
  TuneCandidate current;                  // the current policy's knobs, on the training part
  std::vector<TuneCandidate> candidates;  // grid order
  std::vector<FrontierPoint> reactive;    // reactive over target utilizations, training part
  std::optional<size_t> recommended;      // index into candidates; none is eligible: nullopt
  // Validation (the whole history, the training part as warm-up). The reactive strategy of
  // validation_current is the cost reference of both.
  BacktestResult validation_current;
  std::optional<BacktestResult> validation_recommended;
  TuneFigures current_validation;
  std::optional<TuneFigures> recommended_validation;
  // Whether the recommendation meets the constraints on the validation part too.
  bool validation_meets_constraints = false;
};

// Runs the search. Errors: a history too short to split (each part needs 2 buckets), a grid
// without candidates, a policy or candidate whose model or calendar does not load.
std::variant<TuneResult, BacktestError> RunTune(const forecasting::Trace& history,
                                                const TuneOptions& options);

// Whether `f` meets the objective's constraints, tightened by `margin` (e.g. 0.05).
bool MeetsObjective(const TuneFigures& f, const TuneObjective& objective, double margin = 0);

}  // namespace prescale::policies
