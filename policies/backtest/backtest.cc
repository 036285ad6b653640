#include "policies/backtest/backtest.h"

#include <algorithm>
#include <cmath>
#include <deque>

#include "policies/backtest/deployment_model.h"
#include "policies/backtest/hpa_model.h"
#include "policies/backtest/spikes.h"
#include "policies/served_forecast.h"

namespace prescale::policies {
namespace {

constexpr int64_t kDaySeconds = 86400;

int64_t WholeSeconds(Duration d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

// The trace on the simulator's one-second grid; `s` counts seconds from the trace start.
struct Timeline {
  const forecasting::Trace& trace;
  int64_t seconds;

  int64_t BucketAt(int64_t s) const {
    const auto i = static_cast<int64_t>(std::floor(static_cast<double>(s) / trace.step_seconds));
    return std::min<int64_t>(i, static_cast<int64_t>(trace.values.size()) - 1);
  }
  double Demand(int64_t s) const { return trace.values[BucketAt(s)]; }
  // The last bucket that has ended by second s (its value is visible), or -1.
  int64_t LastComplete(int64_t s) const {
    const auto ended =
        static_cast<int64_t>(std::floor(static_cast<double>(s) / trace.step_seconds)) - 1;
    return std::min<int64_t>(ended, static_cast<int64_t>(trace.values.size()) - 1);
  }
  double Observed(int64_t s) const {
    const int64_t last = LastComplete(s);
    return last < 0 ? 0 : trace.values[last];
  }
};

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const double rank = p * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(rank));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (rank - static_cast<double>(lo));
}

int Required(double demand, double capacity, const BacktestSpec& d) {
  const double pods = std::ceil(demand / capacity - 1e-9);
  return static_cast<int>(
      std::clamp(pods, static_cast<double>(d.min_replicas), static_cast<double>(d.max_replicas)));
}

// What one strategy makes the HPA see at each sync, in time order.
class MetricSource {
 public:
  virtual ~MetricSource() = default;
  virtual double At(int64_t s) = 0;
};

class ReactiveSource : public MetricSource {
 public:
  explicit ReactiveSource(const Timeline& tl) : tl_(tl) {}
  double At(int64_t s) override { return tl_.Observed(s); }

 private:
  const Timeline& tl_;
};

// max(observed, the buckets one day before [now, now + lead]).
class SeasonalNaiveSource : public MetricSource {
 public:
  SeasonalNaiveSource(const Timeline& tl, int64_t lead) : tl_(tl), lead_(lead) {}
  double At(int64_t s) override {
    double v = tl_.Observed(s);
    if (s < kDaySeconds) return v;
    const int64_t last = tl_.LastComplete(s);
    for (int64_t b = tl_.BucketAt(s - kDaySeconds);
         b <= std::min(tl_.BucketAt(s - kDaySeconds + lead_), last); ++b) {
      v = std::max(v, tl_.trace.values[b]);
    }
    return v;
  }

 private:
  const Timeline& tl_;
  int64_t lead_;
};

// The decision on the model's q-forecast; the model sees each bucket once it has ended.
class PrescaleSource : public MetricSource {
 public:
  PrescaleSource(const Timeline& tl, const BacktestOptions& o, ServedForecast served)
      : tl_(tl),
        options_(o),
        model_(o.make_model()),
        served_(std::move(served)),
        horizon_(served_.HorizonSteps(tl.trace.step_seconds)),
        refit_every_(std::max<int64_t>(
            1, static_cast<int64_t>(static_cast<double>(WholeSeconds(o.refit_every)) /
                                    tl.trace.step_seconds))) {
    model_->Fit(tl.trace.start_unix, {});
  }

  double At(int64_t s) override {
    const int64_t last = tl_.LastComplete(s);
    const bool fresh = CatchUp(last);
    const double now = tl_.trace.start_unix + static_cast<double>(s);
    if (last < 0) return served_.Decide(now, now, tl_.trace.step_seconds, 0, {});
    if (fresh) path_ = model_->Forecast(horizon_, options_.policy.quantile);
    return served_.Decide(now, tl_.trace.BucketStart(static_cast<size_t>(last)),
                          tl_.trace.step_seconds, tl_.trace.values[last], path_);
  }

  std::string model_name() const { return model_->name(); }

 private:
  // Feeds the buckets up to `last`: online updates, with a refit on all history seen so far
  // when it doubles (cold start) and at least every `refit_every`. True if anything was fed.
  bool CatchUp(int64_t last) {
    bool fed = false;
    for (; seen_ <= last; ++seen_, fed = true) {
      const int64_t count = seen_ + 1;
      if (count >= next_refit_) {
        model_->Fit(tl_.trace.start_unix,
                    std::span<const double>(tl_.trace.values.data(), static_cast<size_t>(count)));
        next_refit_ = count + std::min(count, refit_every_);
      } else {
        model_->Update(tl_.trace.values[seen_]);
      }
    }
    return fed;
  }

  const Timeline& tl_;
  const BacktestOptions& options_;
  std::unique_ptr<forecasting::Model> model_;
  ServedForecast served_;
  int horizon_;
  int64_t refit_every_;
  int64_t seen_ = 0;
  int64_t next_refit_ = 8;
  std::vector<forecasting::ForecastPoint> path_;
};

// The same decision as PrescaleSource, on the demand that will be: the path's q-forecast of
// each bucket is its true value (past the trace's end, the last bucket's).
class PerfectForecastSource : public MetricSource {
 public:
  PerfectForecastSource(const Timeline& tl, ServedForecast served)
      : tl_(tl),
        served_(std::move(served)),
        horizon_(served_.HorizonSteps(tl.trace.step_seconds)) {}

  double At(int64_t s) override {
    const int64_t last = tl_.LastComplete(s);
    const double now = tl_.trace.start_unix + static_cast<double>(s);
    if (last < 0) return served_.Decide(now, now, tl_.trace.step_seconds, 0, {});
    const auto final_bucket = static_cast<int64_t>(tl_.trace.values.size()) - 1;
    path_.clear();
    for (int k = 1; k <= horizon_; ++k) {
      const double truth = tl_.trace.values[std::min(last + k, final_bucket)];
      path_.push_back({truth, truth});
    }
    return served_.Decide(now, tl_.trace.BucketStart(static_cast<size_t>(last)),
                          tl_.trace.step_seconds, tl_.trace.values[last], path_);
  }

 private:
  const Timeline& tl_;
  ServedForecast served_;
  int horizon_;
  std::vector<forecasting::ForecastPoint> path_;
};

struct Run {
  StrategyResult result;
  double unserved = 0;     // demand not served, summed over seconds
  std::vector<int> ready;  // per second
  std::vector<int> replicas_at_sync;
  std::vector<int> ready_at_sync;
  std::vector<double> metric_at_sync;

  // Accumulates unserved demand, pod-seconds and the peak from one second's pod counts.
  void Account(const Timeline& tl, double capacity, int64_t s, int pods, int ready_pods) {
    const double short_by = tl.Demand(s) - static_cast<double>(ready_pods) * capacity;
    if (short_by > 1e-9) {
      unserved += short_by;
      ++result.underprovisioned_seconds;
    }
    result.pod_seconds += pods;
    result.max_replicas_used = std::max(result.max_replicas_used, pods);
  }
};

Run SimulateHpa(const Timeline& tl, const BacktestOptions& o, double capacity,
                MetricSource& source) {
  const BacktestSpec& d = o.policy.backtest;
  HpaSettings settings;
  settings.min_replicas = d.min_replicas;
  settings.max_replicas = d.max_replicas;
  settings.target = {HpaTarget::Type::kAverageValue, capacity * d.target_utilization};
  settings.behavior = d.behavior;
  HpaController hpa(settings);
  DeploymentModel deployment(d.min_replicas, d.pod_startup);
  const int64_t sync = std::max<int64_t>(1, WholeSeconds(d.sync_period));

  Run run;
  run.ready.resize(tl.seconds);
  for (int64_t s = 0; s < tl.seconds; ++s) {
    const Duration now = std::chrono::seconds(s);
    if (s % sync == 0) {
      const double metric = source.At(s);
      const int n = deployment.Replicas();
      const int next = hpa.Reconcile(now, {metric, n, n, deployment.Ready(now)});
      if (next != n) {
        deployment.SetReplicas(now, next);
        ++run.result.scale_events;
      }
      run.metric_at_sync.push_back(metric);
      run.replicas_at_sync.push_back(deployment.Replicas());
      run.ready_at_sync.push_back(deployment.Ready(now));
    }
    run.ready[s] = deployment.Ready(now);
    run.Account(tl, capacity, s, deployment.Replicas(), run.ready[s]);
  }
  return run;
}

// pods(s) = max of required over [s, s + startup]: a pod starts exactly `startup` before it is
// needed and stays while it is needed again within a start-up time. ready(s) = min of pods over
// [s - startup, s]: the pods present for a whole start-up.
Run SimulateOracle(const Timeline& tl, const BacktestOptions& o, double capacity) {
  const BacktestSpec& d = o.policy.backtest;
  const int64_t startup = WholeSeconds(d.pod_startup);
  const int64_t sync = std::max<int64_t>(1, WholeSeconds(d.sync_period));
  const int64_t n = tl.seconds;
  std::vector<int> required(n);
  for (int64_t s = 0; s < n; ++s) required[s] = Required(tl.Demand(s), capacity, d);
  std::vector<int> pods(n);
  std::deque<int64_t> window;  // sliding max, scanning backwards
  for (int64_t s = n - 1; s >= 0; --s) {
    while (!window.empty() && window.front() > s + startup) window.pop_front();
    while (!window.empty() && required[window.back()] <= required[s]) window.pop_back();
    window.push_back(s);
    pods[s] = required[window.front()];
  }
  Run run;
  run.ready.resize(n);
  window.clear();  // sliding min, scanning forwards
  for (int64_t s = 0; s < n; ++s) {
    while (!window.empty() && window.front() < s - startup) window.pop_front();
    while (!window.empty() && pods[window.back()] >= pods[s]) window.pop_back();
    window.push_back(s);
    run.ready[s] = pods[window.front()];
    if (s > 0 && pods[s] != pods[s - 1]) ++run.result.scale_events;
    run.Account(tl, capacity, s, pods[s], run.ready[s]);
    if (s % sync == 0) {
      run.metric_at_sync.push_back(tl.Demand(s));
      run.replicas_at_sync.push_back(pods[s]);
      run.ready_at_sync.push_back(run.ready[s]);
    }
  }
  return run;
}

}  // namespace

const char* StrategyName(Strategy s) {
  switch (s) {
    case Strategy::kReactive:
      return "reactive";
    case Strategy::kSeasonalNaive:
      return "seasonal_naive";
    case Strategy::kPrescale:
      return "prescale";
    case Strategy::kOracle:
      return "oracle";
    case Strategy::kPerfectForecast:
      return "perfect_forecast";
  }
  return "?";
}

std::variant<BacktestResult, BacktestError> RunBacktest(const forecasting::Trace& trace,
                                                        const BacktestOptions& o) {
  if (trace.values.empty()) return BacktestError{"the trace is empty"};
  if (!(trace.step_seconds >= 1)) return BacktestError{"the trace step must be at least 1 s"};
  if (!o.make_model) return BacktestError{"no forecasting model for the prescale strategy"};
  std::string why;
  std::optional<ServedForecast> served = ServedForecast::Create(o.policy, &why);
  if (!served) return BacktestError{why};

  BacktestResult result;
  result.start_unix = trace.start_unix;
  result.step_seconds = trace.step_seconds;
  result.seconds = static_cast<int64_t>(
      std::ceil(static_cast<double>(trace.values.size()) * trace.step_seconds));
  const Timeline tl{trace, result.seconds};
  const BacktestSpec& d = o.policy.backtest;
  const double p999 = Percentile(trace.values, 0.999);
  result.capacity_per_pod = d.capacity_per_pod.value_or(p999 > 0 ? p999 / d.max_replicas : 1.0);
  const double capacity = result.capacity_per_pod;

  std::array<std::optional<Run>, kStrategyCount> runs;
  auto at = [&runs](Strategy s) -> std::optional<Run>& { return runs[static_cast<int>(s)]; };
  ReactiveSource reactive(tl);
  at(Strategy::kReactive) = SimulateHpa(tl, o, capacity, reactive);
  SeasonalNaiveSource seasonal(tl, WholeSeconds(o.policy.lead));
  at(Strategy::kSeasonalNaive) = SimulateHpa(tl, o, capacity, seasonal);
  PrescaleSource prescale(tl, o, *served);
  at(Strategy::kPrescale) = SimulateHpa(tl, o, capacity, prescale);
  result.model_name = prescale.model_name();
  at(Strategy::kOracle) = SimulateOracle(tl, o, capacity);
  if (o.perfect_forecast) {
    PerfectForecastSource perfect(tl, *served);  // its own decision state
    at(Strategy::kPerfectForecast) = SimulateHpa(tl, o, capacity, perfect);
  }

  double total_demand = 0;
  for (int64_t s = 0; s < tl.seconds; ++s) total_demand += tl.Demand(s);
  for (std::optional<Run>& run : runs) {
    if (run) run->result.unserved_fraction = total_demand > 0 ? run->unserved / total_demand : 0;
  }

  // Spikes, on `required` at bucket starts.
  std::vector<int> required(trace.values.size());
  for (size_t i = 0; i < required.size(); ++i) required[i] = Required(trace.values[i], capacity, d);
  std::array<std::vector<std::optional<int64_t>>, kStrategyCount> leads;
  for (const SpikeOnset& found : FindSpikeOnsets(required, trace.step_seconds)) {
    const size_t i = found.bucket;
    SpikeResult spike;
    spike.required_before = found.required_before;
    const auto onset = static_cast<int64_t>(std::ceil(static_cast<double>(i) * trace.step_seconds));
    spike.onset_unix = trace.start_unix + static_cast<double>(onset);
    spike.required = required[i];
    for (int k = 0; k < kStrategyCount; ++k) {
      if (!runs[k]) continue;
      spike.lead_seconds[k] = SpikeLead(runs[k]->ready, onset, required[i]);
      leads[k].push_back(spike.lead_seconds[k]);
      if (spike.lead_seconds[k] && *spike.lead_seconds[k] >= 0)
        ++runs[k]->result.spikes_ready_before_onset;
    }
    result.spikes.push_back(spike);
  }
  for (int k = 0; k < kStrategyCount; ++k) {
    if (!runs[k]) continue;
    runs[k]->result.median_spike_lead_seconds = MedianLead(leads[k]);
    result.strategies[k] = runs[k]->result;
  }

  // One series row per sync period.
  const int64_t sync = std::max<int64_t>(1, WholeSeconds(d.sync_period));
  const Run& reactive_run = *at(Strategy::kReactive);
  const Run& prescale_run = *at(Strategy::kPrescale);
  for (size_t j = 0; j < reactive_run.replicas_at_sync.size(); ++j) {
    const auto s = static_cast<int64_t>(j) * sync;
    SeriesRow row;
    row.t = trace.start_unix + static_cast<double>(s);
    row.demand = tl.Demand(s);
    row.observed = reactive_run.metric_at_sync[j];
    row.forecast = prescale_run.metric_at_sync[j];
    for (int k = 0; k < kStrategyCount; ++k) {
      if (!runs[k]) continue;
      row.replicas[k] = runs[k]->replicas_at_sync[j];
      row.ready[k] = runs[k]->ready_at_sync[j];
    }
    result.series.push_back(row);
  }
  if (o.keep_per_second) {
    for (int k = 0; k < kStrategyCount; ++k) {
      if (runs[k]) result.ready[k] = std::move(runs[k]->ready);
    }
  }
  return result;
}

}  // namespace prescale::policies
