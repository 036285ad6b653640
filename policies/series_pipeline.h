// The forecasting pipeline of one served series, the same code in `serve` and in `backtest`: the
// series' history on the policy's step grid, its model, fitted at data-defined buckets on the
// policy's `history` window, and its decision state.
//
// Time. Bucket k covers [k * step, (k + 1) * step); its value is the sample Prometheus evaluates
// at the bucket's end. A bucket is settled `grace` after its end (late scrapes have landed by
// then): only then do the model, the decision and the observed value see it, and its decision
// is taken at that data time, (k + 1) * step + grace, never at a wall-clock time. So what a
// pipeline serves is a function of the data alone: replicas that read the same Prometheus, and a
// backtest on the same samples, serve the same values.
//
// Refits happen once per `refit_every` at a bucket fixed by the series' label hash (spreading
// fits over the period), on exactly the `history` window ending there, and whenever history
// doubles while it is shorter than `history` (the cold-start chain). The first Advance fits at
// the last such bucket before now - (hold + lead) and replays from there, so a pipeline started
// late has the models and hold state of one that has run all along.
//
// Threading: not thread-safe; one owner. Distinct pipelines may advance on distinct threads.
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

#include "forecasting/model.h"
#include "policies/fit_cache.h"
#include "policies/policy.h"
#include "policies/series_history.h"
#include "policies/served_forecast.h"

namespace prescale::policies {

// What every series of one policy shares: the grid, the schedule and the prototypes.
class PipelineSettings {
 public:
  using ModelFactory = std::function<std::unique_ptr<forecasting::Model>()>;

  // The policy's pipeline on a grid of `step_seconds` (serve: the policy's step; a backtest: the
  // trace's). Fails with a message when the policy's model or calendar cannot be built.
  // `make_model`, when given, replaces the policy's model (tests use known models).
  // `fit_cache`, when given, is shared with the settings of policies that differ from this one
  // only in quantile, scale_down_hold and backtest (policies/fit_cache.h); serve passes none.
  static std::variant<std::shared_ptr<const PipelineSettings>, std::string> Create(
      const Policy& policy, double step_seconds, ModelFactory make_model = {},
      std::shared_ptr<FitCache> fit_cache = nullptr);

  double step() const { return step_; }
  double grace() const { return grace_; }
  int64_t history_steps() const { return history_steps_; }
  int64_t refit_steps() const { return refit_steps_; }
  // Buckets a series keeps: history, a refit period and hold + lead for the start-up replay.
  int64_t window_steps() const { return window_steps_; }
  // The newest bucket settled at `now`.
  int64_t SettledBucket(double now) const;

 private:
  friend class SeriesPipeline;
  PipelineSettings(const Policy& policy, double step, ModelFactory make_model,
                   ServedForecast served);

  ModelFactory make_model_;
  std::shared_ptr<FitCache> fit_cache_;
  // With learn_events (and the policy's own model): the spec to rebuild the model from when
  // learned events change, and the configured events that learned ones must not repeat.
  bool learn_events_ = false;
  forecasting::ModelSpec spec_;
  std::vector<forecasting::ScheduledEvent> configured_;
  ServedForecast served_;  // each series' decision state starts as this
  double step_, grace_, lead_, replay_, quantile_;
  int64_t history_steps_, refit_steps_, window_steps_;
  int horizon_;
};

// FNV-1a of the labels: a stable hash (std::hash may differ between builds), so every replica
// and every backtest refits a series at the same buckets.
uint64_t StableLabelHash(const std::map<std::string, std::string, std::less<>>& labels);

class SeriesPipeline {
 public:
  SeriesPipeline(std::shared_ptr<const PipelineSettings> settings, uint64_t label_hash);
  ~SeriesPipeline();
  SeriesPipeline(SeriesPipeline&&) noexcept;

  // Stores the sample evaluated at the end of bucket `k` (a late one overwrites). Non-finite
  // values are a missing bucket.
  void Put(int64_t k, double value);

  // Feeds the model every bucket settled by `now` (up to the newest one present) and takes the
  // decision of each at its data time. Calls in time order.
  void Advance(double now);

  // The value to serve as the forecast at `now`: the decision of the newest fed bucket; when the
  // data stops (Prometheus down), also the model's q-forecast from the outage's start to
  // now + lead, so it never falls while the outage lasts; never below the settled observed value.
  // Finite, >= 0.
  double Served(double now) const;

  // The newest settled bucket with a value at `now`, if any.
  struct Observation {
    int64_t bucket = 0;
    double value = 0;
  };
  std::optional<Observation> Observed(double now) const;

  const SeriesHistory& history() const { return history_; }
  const PipelineSettings& settings() const { return *settings_; }

  // The recurring events learned at the last refit (policy learn_events), and when each was
  // first learned (data time), for reports and logs.
  const std::vector<forecasting::EventSpec>& learned_events() const { return learned_; }
  struct Learned {
    forecasting::EventSpec event;
    double since = 0;
  };
  const std::vector<Learned>& learned_log() const { return learned_log_; }

  // For the audit log and metrics.
  bool decided() const { return decided_; }
  double decision_time() const { return decision_time_; }
  std::string model_name() const;
  double fit_time() const { return static_cast<double>(fit_bucket_) * settings_->step(); }
  uint64_t fits() const { return fits_; }
  // Rolling (about an hour) mean absolute error of the one-step point forecast, and of the naive
  // forecast (the previous bucket).
  double forecast_mae() const { return mae_; }
  double naive_mae() const { return naive_mae_; }

 private:
  void Start(int64_t upto, double now);
  bool IsRefitBucket(int64_t k) const;
  void FitAt(int64_t k);
  // Finds the recurring events of `window` (starting at bucket `from`); rebuilds the model and
  // the decision's calendar when they changed.
  void LearnEvents(int64_t from, const std::vector<double>& window);
  // Takes `found` as the learned events at data bucket `end`; true when they changed (the
  // decision's calendar follows; the caller rebuilds the model).
  bool AdoptLearned(std::vector<forecasting::EventSpec> found, int64_t end);
  void DecideAt(int64_t k);

  // The value of bucket k: exact for the newest buckets (the history holds floats), so the
  // observed value is served as Prometheus gave it.
  double ValueAt(int64_t k) const;

  std::shared_ptr<const PipelineSettings> settings_;
  SeriesHistory history_;
  static constexpr int64_t kExact = 8;
  // Data missing for more buckets than this past settling is an outage (Served).
  static constexpr int64_t kOutageBuckets = 2;
  static constexpr int kMaxOutageSteps = 100000;
  std::array<std::pair<int64_t, double>, kExact> exact_;  // (bucket, value) at bucket % kExact
  int64_t phase_;
  int64_t first_data_ = INT64_MAX;  // first bucket with a value

  std::vector<forecasting::EventSpec> learned_;
  std::vector<Learned> learned_log_;
  std::unique_ptr<forecasting::Model> model_;
  std::optional<ServedForecast> served_;
  int64_t model_seen_ = INT64_MIN;
  int64_t fit_bucket_ = 0;
  int64_t fit_count_ = 0;
  uint64_t fits_ = 0;
  std::vector<forecasting::ForecastPoint> path_;

  bool decided_ = false;
  double decision_ = 0;
  double decision_time_ = 0;

  double prev_prediction_;
  double prev_value_;
  double mae_ = 0;
  double naive_mae_ = 0;
};

}  // namespace prescale::policies
