#include "policies/backtest/strategies.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <limits>

#include "policies/backtest/deployment_model.h"
#include "policies/backtest/hpa_model.h"

namespace prescale::policies {
namespace {

constexpr int64_t kDaySeconds = 86400;

int64_t WholeSeconds(Duration d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

class ReactiveSource final : public MetricSource {
 public:
  explicit ReactiveSource(const Timeline& tl) : tl_(tl) {}
  double At(int64_t s) override { return tl_.Observed(s); }

 private:
  const Timeline& tl_;
};

class SeasonalNaiveSource final : public MetricSource {
 public:
  SeasonalNaiveSource(const Timeline& tl, int64_t lead) : tl_(tl), lead_(lead) {}
  double At(int64_t s) override {
    double v = tl_.Observed(s);
    if (s < kDaySeconds) return v;
    const int64_t last = tl_.LastSettled(s);
    for (int64_t b = tl_.BucketAt(s - kDaySeconds);
         b <= std::min(tl_.BucketAt(s - kDaySeconds + lead_), last); ++b) {
      v = std::max(v, tl_.trace.values[static_cast<size_t>(b)]);
    }
    return v;
  }

 private:
  const Timeline& tl_;
  int64_t lead_;
};

class PrescaleSource final : public MetricSource {
 public:
  // Without `series`, one pipeline on the timeline's trace; with them, one per series (hashed by
  // its labels, as serve does), their served values summed as the HPA sums External metric
  // items: each rounded up to milli-units, then added.
  PrescaleSource(const Timeline& tl, std::shared_ptr<const PipelineSettings> settings,
                 const std::vector<SeriesTrace>& series)
      : tl_(tl), summed_(!series.empty()) {
    if (series.empty()) {
      pipelines_.emplace_back(std::move(settings), StableLabelHash({}));
      values_.push_back(&tl.trace.values);
    }
    for (const SeriesTrace& one : series) {
      pipelines_.emplace_back(settings, StableLabelHash(one.labels));
      values_.push_back(&one.trace.values);
    }
  }

  double At(int64_t s) override {
    // Prometheus has evaluated the sample of every bucket that has ended.
    const double now = tl_.trace.start_unix + static_cast<double>(s);
    const int64_t n = static_cast<int64_t>(tl_.trace.values.size());
    for (; next_ < n && static_cast<double>(next_ + 1) * tl_.trace.step_seconds <= s; ++next_) {
      for (size_t i = 0; i < pipelines_.size(); ++i)
        pipelines_[i].Put(tl_.FirstBucket() + next_, (*values_[i])[static_cast<size_t>(next_)]);
    }
    double sum = 0;
    for (SeriesPipeline& pipeline : pipelines_) {
      pipeline.Advance(now);
      const double served = pipeline.Served(now);
      sum += summed_ ? std::ceil(served * 1000 - 1e-6) / 1000 : served;
    }
    return sum;
  }

  std::string model_name() const { return pipelines_.front().model_name(); }
  const std::vector<SeriesPipeline::Learned>& learned() const {
    return pipelines_.front().learned_log();
  }

 private:
  const Timeline& tl_;
  bool summed_;
  std::vector<SeriesPipeline> pipelines_;
  std::vector<const std::vector<double>*> values_;
  int64_t next_ = 0;  // the next trace bucket to deliver
};

// Decides at each settled bucket's data time, as the pipeline does, on the true demand of the
// buckets that follow (past the trace's end, the last bucket's).
class PerfectForecastSource final : public MetricSource {
 public:
  PerfectForecastSource(const Timeline& tl, const Policy& policy, const ServedForecast& served)
      : tl_(tl), served_(served), horizon_(served.HorizonSteps(tl.trace.step_seconds)) {}

  double At(int64_t s) override {
    const int64_t settled = tl_.LastSettled(s);
    const double step = tl_.trace.step_seconds;
    const int64_t final_bucket = static_cast<int64_t>(tl_.trace.values.size()) - 1;
    for (; decided_ < settled; ++decided_) {
      const int64_t k = decided_ + 1;
      path_.clear();
      for (int h = 1; h <= horizon_; ++h) {
        const double truth = tl_.trace.values[static_cast<size_t>(std::min(k + h, final_bucket))];
        path_.push_back({truth, truth});
      }
      const double start = tl_.trace.start_unix + static_cast<double>(k) * step;
      decision_ = served_.Decide(start + step + tl_.grace, start, step,
                                 tl_.trace.values[static_cast<size_t>(k)], path_);
    }
    return std::max(decision_, tl_.Observed(s));
  }

 private:
  const Timeline& tl_;
  ServedForecast served_;
  int horizon_;
  int64_t decided_ = -1;  // the newest bucket decided on
  double decision_ = 0;
  std::vector<forecasting::ForecastPoint> path_;
};

}  // namespace

int64_t Timeline::BucketAt(int64_t s) const {
  const auto i = static_cast<int64_t>(std::floor(static_cast<double>(s) / trace.step_seconds));
  return std::min<int64_t>(i, static_cast<int64_t>(trace.values.size()) - 1);
}

int64_t Timeline::LastSettled(int64_t s) const {
  const auto settled = static_cast<int64_t>(std::floor(
                           (static_cast<double>(s) - grace) / trace.step_seconds + 1e-9)) -
                       1;
  return std::min<int64_t>(settled, static_cast<int64_t>(trace.values.size()) - 1);
}

double Timeline::Observed(int64_t s) const {
  const int64_t last = LastSettled(s);
  return last < 0 ? 0 : trace.values[static_cast<size_t>(last)];
}

int64_t Timeline::FirstBucket() const {
  return std::llround(trace.start_unix / trace.step_seconds);
}

std::unique_ptr<MetricSource> MakeReactiveSource(const Timeline& tl) {
  return std::make_unique<ReactiveSource>(tl);
}

std::unique_ptr<MetricSource> MakeSeasonalNaiveSource(const Timeline& tl, int64_t lead_seconds) {
  return std::make_unique<SeasonalNaiveSource>(tl, lead_seconds);
}

std::unique_ptr<MetricSource> MakePrescaleSource(const Timeline& tl,
                                                 std::shared_ptr<const PipelineSettings> settings,
                                                 const std::vector<SeriesTrace>& series) {
  return std::make_unique<PrescaleSource>(tl, std::move(settings), series);
}

std::unique_ptr<MetricSource> MakePerfectForecastSource(const Timeline& tl, const Policy& policy,
                                                        const ServedForecast& served) {
  return std::make_unique<PerfectForecastSource>(tl, policy, served);
}

std::string PrescaleModelName(const MetricSource& source) {
  const auto* prescale = dynamic_cast<const PrescaleSource*>(&source);
  return prescale ? prescale->model_name() : "";
}

std::vector<SeriesPipeline::Learned> PrescaleLearnedEvents(const MetricSource& source) {
  const auto* prescale = dynamic_cast<const PrescaleSource*>(&source);
  return prescale ? prescale->learned() : std::vector<SeriesPipeline::Learned>{};
}

void Run::Account(const Timeline& tl, double capacity, int64_t s, int pods, int ready_pods) {
  if (s < tl.warm_up) return;
  const double short_by = tl.Demand(s) - static_cast<double>(ready_pods) * capacity;
  if (short_by > 1e-9) {
    unserved += short_by;
    ++result.underprovisioned_seconds;
  }
  result.pod_seconds += pods;
  result.max_replicas_used = std::max(result.max_replicas_used, pods);
}

int Required(double demand, double capacity, const BacktestSpec& d) {
  const double pods = std::ceil(demand / capacity - 1e-9);
  return static_cast<int>(
      std::clamp(pods, static_cast<double>(d.min_replicas), static_cast<double>(d.max_replicas)));
}

std::vector<double> MetricAtSyncs(const Timeline& tl, const BacktestSpec& d, MetricSource& source) {
  const int64_t sync = std::max<int64_t>(1, WholeSeconds(d.sync_period));
  std::vector<double> metric;
  metric.reserve(static_cast<size_t>(tl.seconds / sync + 1));
  for (int64_t s = 0; s < tl.seconds; s += sync) metric.push_back(source.At(s));
  return metric;
}

Run SimulateHpa(const Timeline& tl, const BacktestSpec& d, double capacity,
                double target_utilization, const std::vector<double>& metric_at_sync) {
  HpaSettings settings;
  settings.min_replicas = d.min_replicas;
  settings.max_replicas = d.max_replicas;
  settings.target = {HpaTarget::Type::kAverageValue, capacity * target_utilization};
  settings.behavior = d.behavior;
  HpaController hpa(settings);
  DeploymentModel deployment(d.min_replicas, d.pod_startup);
  const int64_t sync = std::max<int64_t>(1, WholeSeconds(d.sync_period));

  Run run;
  run.ready.resize(static_cast<size_t>(tl.seconds));
  for (int64_t s = 0; s < tl.seconds; ++s) {
    const Duration now = std::chrono::seconds(s);
    if (s % sync == 0) {
      const double metric = metric_at_sync[static_cast<size_t>(s / sync)];
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
    run.ready[static_cast<size_t>(s)] = deployment.Ready(now);
    run.Account(tl, capacity, s, deployment.Replicas(), run.ready[static_cast<size_t>(s)]);
  }
  return run;
}

Run SimulateOracle(const Timeline& tl, const BacktestSpec& d, double capacity) {
  const int64_t startup = WholeSeconds(d.pod_startup);
  const int64_t sync = std::max<int64_t>(1, WholeSeconds(d.sync_period));
  const int64_t n = tl.seconds;
  std::vector<int> required(static_cast<size_t>(n));
  for (int64_t s = 0; s < n; ++s) required[s] = Required(tl.Demand(s), capacity, d);
  std::vector<int> pods(static_cast<size_t>(n));
  std::deque<int64_t> window;  // sliding max, scanning backwards
  for (int64_t s = n - 1; s >= 0; --s) {
    while (!window.empty() && window.front() > s + startup) window.pop_front();
    while (!window.empty() && required[window.back()] <= required[s]) window.pop_back();
    window.push_back(s);
    pods[s] = required[window.front()];
  }
  Run run;
  run.ready.resize(static_cast<size_t>(n));
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

double MatchTarget(const std::function<ReactivePoint(double)>& at, double pod_seconds,
                   const BacktestOptions& o, ReactivePoint* chosen) {
  double lo = o.min_target_utilization, hi = 1.0, target = hi;
  double best_gap = std::numeric_limits<double>::infinity();
  for (int i = 0; i < 40; ++i) {
    const double mid = 0.5 * (lo + hi);
    const ReactivePoint point = at(mid);
    const double gap = point.pod_seconds - pod_seconds;
    if (std::abs(gap) < best_gap) {
      best_gap = std::abs(gap);
      *chosen = point;
      target = mid;
    }
    if (best_gap <= o.match_tolerance * pod_seconds || hi - lo < 1e-6) break;
    (gap > 0 ? lo : hi) = mid;
  }
  return target;
}

Run MatchReactive(const Timeline& tl, const BacktestSpec& d, double capacity,
                  const std::vector<double>& reactive_metric, double pod_seconds,
                  const BacktestOptions& o, double* target) {
  ReactivePoint chosen;
  *target = MatchTarget(
      [&](double u) {
        const Run run = SimulateHpa(tl, d, capacity, u, reactive_metric);
        return ReactivePoint{run.result.pod_seconds, run.unserved};
      },
      pod_seconds, o, &chosen);
  Run best = SimulateHpa(tl, d, capacity, *target, reactive_metric);
  best.result.target_utilization = *target;
  return best;
}

}  // namespace prescale::policies
