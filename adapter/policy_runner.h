// Everything prescale keeps for one policy between refreshes: one series pipeline per label set
// (history, model and decision: policies/series_pipeline.h, the same code a backtest runs), and
// what to fetch next. The refresh loop drives it: PlanFetch -> Ingest (per chunk) ->
// FetchSucceeded -> Advance -> AppendServed.
//
// Determinism: what a runner serves is a function of the data alone (see SeriesPipeline), so
// replicas that read the same Prometheus serve the same values whenever they started, and a
// backtest on the same samples serves what serve serves. The sample Prometheus evaluates at T
// describes the bucket that ends at T.
//
// Bounds: a policy keeps at most its max_series label sets, the first ones in label order (a new
// label set that sorts before a kept one replaces the last kept one, so replicas converge on the
// same set whatever they saw first); each series' window is reserved in the process-wide
// HistoryBudget before it is allocated; samples stamped outside the queried range (less or more
// than one step) are refused. Ingest() reports what it refused, for the caller to count, and
// logs a warning whenever the number of refused series changes.
//
// Threading: not thread-safe; owned by the refresh loop. Advance() fans the per-series work out
// to `threads` threads internally.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "adapter/history_budget.h"
#include "adapter/prometheus_response.h"
#include "adapter/snapshot.h"
#include "common/duration.h"
#include "policies/policy.h"
#include "policies/series_pipeline.h"

namespace prescale::adapter {

struct RunnerOptions {
  int overlap_steps = 2;    // re-fetched each refresh, for late scrapes
  int chunk_points = 2000;  // points per series per query (Prometheus allows 11,000)
  int threads = 1;          // for fitting and replaying series in parallel
  // Shared by every runner of the process; null: no budget (tests, backtests).
  std::shared_ptr<HistoryBudget> budget;
};

// What one Ingest() refused.
struct IngestReport {
  size_t series_over_limit = 0;     // label sets beyond the policy's max_series (dropped)
  size_t series_over_budget = 0;    // label sets not created: the HistoryBudget is spent
  size_t samples_out_of_range = 0;  // samples stamped outside [start - step, end + step]
};

struct TimeRange {
  double start = 0;  // Unix seconds, on the step grid
  double end = 0;    // inclusive
};

// One change of a served forecast, for the audit log.
struct AuditRecord {
  double decision_time = 0;  // the data time of the decision (Unix seconds)
  std::string metric;
  apiserver::Labels labels;
  double served = 0;
  double previous = 0;
  double observed = 0;
  std::string model;    // e.g. "auto(profile)"
  double fit_time = 0;  // data time of the last fit: the version of the model's parameters
  double data_age = 0;  // seconds
};

struct RunnerStats {
  size_t series = 0;
  double forecast_mae = 0;    // rolling mean absolute error of the one-step forecast, summed over
  double naive_mae = 0;       // series; and of the naive forecast (the previous bucket)
  uint64_t refits = 0;        // fits so far
  size_t learned_events = 0;  // distinct recurring events learned, over series
};

class PolicyRunner {
 public:
  // Fails when the policy's model cannot be built (check-config reports that earlier).
  static std::variant<std::unique_ptr<PolicyRunner>, std::string> Create(policies::Policy policy,
                                                                         RunnerOptions options);
  ~PolicyRunner();

  const policies::Policy& policy() const { return policy_; }
  // Takes the object of a reloaded policy whose serving keys did not change (RefreshLoop).
  void SetObject(std::optional<policies::DescribedObject> object) {
    policy_.object = std::move(object);
  }
  double step_seconds() const { return step_; }

  // The query_range ranges to fetch at `now`, each within options.chunk_points: the whole
  // start-up window (history, plus a refit period and the hold for the replay) at first, then
  // from the last fetched bucket (less the overlap) on; a gap after an outage is fetched too.
  std::vector<TimeRange> PlanFetch(double now) const;

  // Stores the answer for `range` (one range of the plan, in order). New label sets get a series
  // within the bounds above. A later plan starts after the last range stored, so an interrupted
  // start-up resumes.
  IngestReport Ingest(const TimeRange& range, const std::vector<Series>& chunk);

  // Every range of the plan was fetched. Series that stopped reporting for max_staleness
  // while the policy's other series are fresh expire.
  void FetchSucceeded(double now);

  // Halves the points per query (down to 16), e.g. after a query timed out. False at the floor.
  bool ShrinkChunks();
  int chunk_points() const { return options_.chunk_points; }
  void FetchFailed(const std::string& error);

  // Feeds each model the buckets settled by `now` and takes their decisions. Nothing before the
  // start-up window is loaded (backfilled()).
  void Advance(double now);

  // Appends the policy's observed and forecast metrics as of `now`, and one audit record per
  // forecast value that differs from what the previous call served.
  void AppendServed(double now, std::vector<ServedMetric>* out, std::vector<AuditRecord>* audit);

  bool backfilled() const { return backfilled_; }
  // Seconds since the newest sample of any series (or since the last successful fetch when the
  // query returns no series); +inf before any data.
  double DataAge(double now) const;
  bool Stale(double now) const;
  RunnerStats stats() const;
  // Bytes of series history held (4 per bucket): series x window steps x 4.
  size_t history_bytes() const;
  size_t series_bytes() const;  // of one series

 private:
  struct SeriesState;
  PolicyRunner(policies::Policy policy, RunnerOptions options,
               std::shared_ptr<const policies::PipelineSettings> settings);
  // The series of `labels`, created if the bounds allow (series_.end() and counted otherwise).
  using SeriesMap = std::map<apiserver::Labels, std::unique_ptr<SeriesState>>;
  SeriesMap::iterator Admit(const apiserver::Labels& labels, std::set<apiserver::Labels>* refused,
                            IngestReport* report);
  void LogRefusals(const IngestReport& report);

  policies::Policy policy_;
  RunnerOptions options_;
  std::shared_ptr<const policies::PipelineSettings> settings_;
  double step_;
  SeriesMap series_;
  bool backfilled_ = false;
  bool fetched_any_ = false;
  int64_t fetched_until_ = 0;  // newest sample time of the last successful fetch, in steps
  double last_success_ = 0;
  std::string last_error_;
  // Logs events learned since the last call (once per policy and event name).
  void LogLearnedEvents();
  std::set<std::string> logged_events_;
  // Refusals last logged, so a warning is logged once per change.
  size_t logged_over_limit_ = 0;
  size_t logged_over_budget_ = 0;
};

}  // namespace prescale::adapter
