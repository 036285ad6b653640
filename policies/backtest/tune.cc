#include "policies/backtest/tune.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <thread>
#include <tuple>

#include "policies/backtest/strategies.h"
#include "policies/series_pipeline.h"

namespace prescale::policies {
namespace {

template <typename T>
void AddUnique(std::vector<T>* list, const T& value) {
  if (std::find(list->begin(), list->end(), value) == list->end()) list->push_back(value);
}

template <typename T>
std::vector<T> Sorted(std::vector<T> list) {
  std::sort(list.begin(), list.end());
  return list;
}

double Percentile999(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const double rank = 0.999 * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(rank));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (rank - static_cast<double>(lo));
}

std::optional<double> Advantage(double prescale_unserved, double matched_unserved) {
  if (prescale_unserved > 0) return matched_unserved / prescale_unserved;
  if (matched_unserved > 0) return std::numeric_limits<double>::infinity();
  return std::nullopt;
}

// a's equal-cost advantage is at least b's (an undefined one, nothing unserved by either
// strategy, counts as high enough).
bool AdvantageAtLeast(const std::optional<double>& a, const std::optional<double>& b) {
  return !a || !b || *a >= *b;
}

// Everything the candidates of one training evaluation share.
struct TrainingBench {
  const Timeline& tl;
  const BacktestOptions& base;
  const std::vector<SeriesTrace>& series;  // the training part of base.series
  double capacity = 0;

  TrainingBench(const Timeline& t, const BacktestOptions& b, const std::vector<SeriesTrace>& s,
                double c)
      : tl(t), base(b), series(s), capacity(c) {}
  double total_demand = 0;
  std::vector<double> reactive_metric;
  double reference_pod_seconds = 0;  // reactive at the current target

  // Reactive's figures at target `u`, simulated once per target for all candidates (every
  // bisection starts with the same targets).
  ReactivePoint ReactiveAt(double u) const {
    {
      const std::lock_guard lock(cache_mutex);
      if (auto it = cache.find(u); it != cache.end()) return it->second;
    }
    const Run run = SimulateHpa(tl, base.policy.backtest, capacity, u, reactive_metric);
    const ReactivePoint point{run.result.pod_seconds, run.unserved};
    const std::lock_guard lock(cache_mutex);
    cache.emplace(u, point);
    return point;
  }
  mutable std::mutex cache_mutex;
  mutable std::map<double, ReactivePoint> cache;
};

// One pipeline run (the knobs but the target), then the HPA at every target of `targets`.
std::variant<std::vector<TuneFigures>, std::string> EvaluatePipeline(
    const TrainingBench& b, const TuneKnobs& knobs, const std::vector<double>& targets,
    std::shared_ptr<FitCache> fits = nullptr) {
  const Policy policy = WithKnobs(b.base.policy, knobs);
  auto made =
      PipelineSettings::Create(policy, b.tl.trace.step_seconds, b.base.make_model, std::move(fits));
  if (auto* e = std::get_if<std::string>(&made)) return *e;
  const auto settings = std::get<std::shared_ptr<const PipelineSettings>>(std::move(made));
  const BacktestSpec& d = policy.backtest;
  const std::unique_ptr<MetricSource> source = MakePrescaleSource(b.tl, settings, b.series);
  const std::vector<double> metric = MetricAtSyncs(b.tl, d, *source);
  std::vector<TuneFigures> out;
  for (double target : targets) {
    const Run run = SimulateHpa(b.tl, d, b.capacity, target, metric);
    TuneFigures f;
    f.unserved_fraction = b.total_demand > 0 ? run.unserved / b.total_demand : 0;
    f.pod_seconds = run.result.pod_seconds;
    f.cost = b.reference_pod_seconds > 0 ? f.pod_seconds / b.reference_pod_seconds : 0;
    ReactivePoint matched;
    MatchTarget([&b](double u) { return b.ReactiveAt(u); }, f.pod_seconds, b.base, &matched);
    f.equal_cost_advantage =
        Advantage(f.unserved_fraction, b.total_demand > 0 ? matched.unserved / b.total_demand : 0);
    out.push_back(f);
  }
  return out;
}

// The grid's knob settings without the target, in grid order.
std::vector<TuneKnobs> PipelineKeys(const TuneGrid& g) {
  std::vector<TuneKnobs> keys;
  for (const std::string& model : g.models)
    for (double scale : g.event_window_scales)
      for (Duration lead : g.leads)
        for (Duration hold : g.holds)
          for (double q : g.quantiles) {
            TuneKnobs k;
            std::tie(k.quantile, k.lead, k.scale_down_hold, k.model, k.event_window_scale) =
                std::tie(q, lead, hold, model, scale);
            keys.push_back(k);
          }
  return keys;
}

// Runs `keys` on up to `threads` threads, one result slot each.
std::vector<std::variant<std::vector<TuneFigures>, std::string>> EvaluateAll(
    const TrainingBench& b, const std::vector<TuneKnobs>& keys, const std::vector<double>& targets,
    const TuneOptions& o) {
  std::vector<std::variant<std::vector<TuneFigures>, std::string>> results(keys.size());
  // Settings that differ only in quantile and hold fit the same models: one cache per spec.
  std::map<std::tuple<std::string, Duration, double>, std::shared_ptr<FitCache>> caches;
  std::vector<std::shared_ptr<FitCache>> cache_of(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    auto& cache = caches[{keys[i].model, keys[i].lead, keys[i].event_window_scale}];
    if (!cache) cache = std::make_shared<FitCache>();
    cache_of[i] = cache;
  }
  std::atomic<size_t> next{0};
  std::mutex progress_mutex;
  size_t done = 0;
  const size_t total = keys.size() * targets.size();
  const auto work = [&] {
    for (size_t i = next++; i < keys.size(); i = next++) {
      results[i] = EvaluatePipeline(b, keys[i], targets, cache_of[i]);
      const std::lock_guard lock(progress_mutex);
      done += targets.size();
      if (o.progress) o.progress(done, total);
    }
  };
  const size_t threads = std::clamp<size_t>(static_cast<size_t>(std::max(1, o.threads)), 1,
                                            std::max<size_t>(1, keys.size()));
  std::vector<std::thread> workers;
  for (size_t t = 1; t < threads; ++t) workers.emplace_back(work);
  work();
  for (std::thread& w : workers) w.join();
  return results;
}

void MarkPareto(std::vector<TuneCandidate>* candidates) {
  for (TuneCandidate& c : *candidates) {
    c.pareto = std::none_of(candidates->begin(), candidates->end(), [&](const TuneCandidate& o) {
      const TuneFigures &a = o.train, &b = c.train;
      return a.cost <= b.cost && a.unserved_fraction <= b.unserved_fraction &&
             (a.cost < b.cost || a.unserved_fraction < b.unserved_fraction);
    });
  }
}

// The best candidate by the objective among those `allowed`, ties by grid order.
std::optional<size_t> Best(const std::vector<TuneCandidate>& c, const TuneObjective& o,
                           bool (*allowed)(const TuneCandidate&)) {
  const bool by_cost = o.max_unserved && !o.max_cost;
  std::optional<size_t> best;
  for (size_t i = 0; i < c.size(); ++i) {
    if (!allowed(c[i])) continue;
    const auto key = [&](size_t k) {
      const TuneFigures& f = c[k].train;
      return by_cost ? std::pair(f.cost, f.unserved_fraction)
                     : std::pair(f.unserved_fraction, f.cost);
    };
    if (!best || key(i) < key(*best)) best = i;
  }
  return best;
}

TuneFigures FiguresOf(const BacktestResult& r, Strategy s, double reference_pod_seconds) {
  TuneFigures f;
  f.unserved_fraction = r.of(s).unserved_fraction;
  f.pod_seconds = r.of(s).pod_seconds;
  f.cost = reference_pod_seconds > 0 ? f.pod_seconds / reference_pod_seconds : 0;
  f.equal_cost_advantage = r.equal_cost_advantage;
  return f;
}

// Every candidate of the grid on the training part, in grid order; the current policy's knobs
// among them (or evaluated on their own when the grid lacks them).
std::optional<BacktestError> CollectCandidates(const TrainingBench& bench, const TuneOptions& o,
                                               TuneResult* result) {
  const std::vector<TuneKnobs> keys = PipelineKeys(o.grid);
  const auto evaluated = EvaluateAll(bench, keys, o.grid.targets, o);
  const TuneKnobs current = KnobsOf(bench.base.policy);
  bool have_current = false;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (auto* e = std::get_if<std::string>(&evaluated[i])) return BacktestError{*e};
    const auto& figures = std::get<std::vector<TuneFigures>>(evaluated[i]);
    for (size_t t = 0; t < o.grid.targets.size(); ++t) {
      TuneCandidate c;
      c.knobs = keys[i];
      c.knobs.target_utilization = o.grid.targets[t];
      c.train = figures[t];
      if (c.knobs == current) {
        result->current = c;
        have_current = true;
      }
      result->candidates.push_back(c);
    }
  }
  if (!have_current) {
    auto own = EvaluatePipeline(bench, current, {current.target_utilization});
    if (auto* e = std::get_if<std::string>(&own)) return BacktestError{*e};
    result->current.knobs = current;
    result->current.train = std::get<std::vector<TuneFigures>>(own)[0];
  }
  return std::nullopt;
}

// The objective (defaulted), feasibility, eligibility, the front and the recommendation.
void Recommend(const TuneObjective& requested, TuneResult* r) {
  r->objective = requested;
  if (!requested.max_cost && !requested.max_unserved) {
    // No more than the current policy costs: it stays feasible itself.
    r->objective.max_cost = r->current.train.cost * (1 + requested.margin);
  }
  const auto mark = [r](TuneCandidate& c) {
    c.feasible = MeetsObjective(c.train, r->objective, r->objective.margin);
    c.eligible = c.feasible && AdvantageAtLeast(c.train.equal_cost_advantage,
                                                r->current.train.equal_cost_advantage);
  };
  mark(r->current);
  for (TuneCandidate& c : r->candidates) mark(c);
  MarkPareto(&r->candidates);
  r->recommended =
      Best(r->candidates, r->objective, [](const TuneCandidate& c) { return c.eligible; });
  if (!r->recommended) {
    r->recommended =
        Best(r->candidates, r->objective, [](const TuneCandidate& c) { return c.feasible; });
  }
}

// The current policy and the recommendation on the whole history, the training part as warm-up;
// the two backtests side by side when there are threads for it.
std::optional<BacktestError> Validate(const forecasting::Trace& history,
                                      const BacktestOptions& base, int64_t train_seconds,
                                      int threads, TuneResult* r) {
  BacktestOptions validation = base;
  validation.warm_up = std::chrono::seconds(train_seconds);
  validation.frontier = false;
  std::optional<std::variant<BacktestResult, BacktestError>> recommended_run;
  BacktestOptions recommended_validation = validation;
  const auto run_recommended = [&] {
    recommended_validation.policy = WithKnobs(base.policy, r->candidates[*r->recommended].knobs);
    recommended_run = RunBacktest(history, recommended_validation);
  };
  std::thread side;
  if (r->recommended && threads > 1) side = std::thread(run_recommended);
  auto current_run = RunBacktest(history, validation);
  if (side.joinable()) side.join();
  if (auto* e = std::get_if<BacktestError>(&current_run)) return *e;
  r->validation_current = std::get<BacktestResult>(std::move(current_run));
  const double reference = r->validation_current.of(Strategy::kReactive).pod_seconds;
  r->current_validation = FiguresOf(r->validation_current, Strategy::kPrescale, reference);
  if (!r->recommended) return std::nullopt;
  if (!recommended_run) run_recommended();
  if (auto* e = std::get_if<BacktestError>(&*recommended_run)) return *e;
  r->validation_recommended = std::get<BacktestResult>(std::move(*recommended_run));
  r->recommended_validation = FiguresOf(*r->validation_recommended, Strategy::kPrescale, reference);
  r->validation_meets_constraints = MeetsObjective(*r->recommended_validation, r->objective);
  return std::nullopt;
}

}  // namespace

size_t TuneGrid::size() const {
  return quantiles.size() * leads.size() * holds.size() * models.size() * targets.size() *
         event_window_scales.size();
}

TuneKnobs KnobsOf(const Policy& p) {
  TuneKnobs k;
  k.quantile = p.quantile;
  k.lead = p.lead;
  k.scale_down_hold = p.scale_down_hold;
  k.model = p.model;
  k.target_utilization = p.backtest.target_utilization;
  return k;
}

Policy WithKnobs(const Policy& policy, const TuneKnobs& k) {
  Policy p = policy;
  p.quantile = k.quantile;
  p.lead = k.lead;
  p.scale_down_hold = k.scale_down_hold;
  p.model = k.model;
  p.backtest.target_utilization = k.target_utilization;
  for (forecasting::EventSpec& e : p.events) {
    e.before_seconds *= k.event_window_scale;
    e.after_seconds *= k.event_window_scale;
  }
  return p;
}

TuneGrid DefaultTuneGrid(const Policy& p) {
  using std::chrono::minutes;
  TuneGrid g;
  g.quantiles = {0.8, 0.9, 0.95, 0.98};
  g.leads = {p.lead, p.lead * 2};
  g.holds = {minutes(2), minutes(5), minutes(10)};
  g.targets = {0.6, 0.7, 0.8, 0.9, 1.0};
  g.event_window_scales = {1};
  if (!p.events.empty()) g.event_window_scales.push_back(2);
  const TuneKnobs current = KnobsOf(p);
  AddUnique(&g.quantiles, current.quantile);
  AddUnique(&g.holds, current.scale_down_hold);
  AddUnique(&g.targets, current.target_utilization);
  g.models = {current.model};
  g.quantiles = Sorted(g.quantiles);
  g.holds = Sorted(g.holds);
  g.targets = Sorted(g.targets);
  return g;
}

bool MeetsObjective(const TuneFigures& f, const TuneObjective& o, double margin) {
  return (!o.max_cost || f.cost <= *o.max_cost / (1 + margin)) &&
         (!o.max_unserved || f.unserved_fraction <= *o.max_unserved / (1 + margin));
}

std::variant<TuneResult, BacktestError> RunTune(const forecasting::Trace& history,
                                                const TuneOptions& o) {
  if (!(history.step_seconds >= 1)) return BacktestError{"the trace step must be at least 1 s"};
  const auto n = static_cast<int64_t>(history.values.size());
  const auto n_train = static_cast<int64_t>(std::floor(o.train_fraction * static_cast<double>(n)));
  if (n_train < 2 || n - n_train < 2)
    return BacktestError{"the history is too short to split into training and validation parts"};
  if (o.grid.size() == 0) return BacktestError{"the grid has no candidates"};

  TuneResult result;
  const auto first_part = [n_train](const forecasting::Trace& t) {
    return forecasting::Trace{
        t.start_unix, t.step_seconds, {t.values.begin(), t.values.begin() + n_train}};
  };
  const forecasting::Trace train = first_part(history);
  std::vector<SeriesTrace> train_series;
  for (const SeriesTrace& s : o.base.series)
    train_series.push_back({s.labels, first_part(s.trace)});
  BacktestOptions base = o.base;
  BacktestSpec& d = base.policy.backtest;
  const double p999 = Percentile999(train.values);
  if (!d.capacity_per_pod) d.capacity_per_pod = p999 > 0 ? p999 / d.max_replicas : 1.0;
  result.capacity_per_pod = *d.capacity_per_pod;
  result.split_unix = history.BucketStart(static_cast<size_t>(n_train));

  const auto train_seconds =
      static_cast<int64_t>(std::ceil(static_cast<double>(n_train) * history.step_seconds));
  result.train_warm_up_seconds = std::min<int64_t>(
      train_seconds / 2, std::chrono::duration_cast<std::chrono::seconds>(o.train_warm_up).count());
  const Timeline tl{train, train_seconds, ToSeconds(base.policy.grace),
                    result.train_warm_up_seconds};
  TrainingBench bench(tl, base, train_series, result.capacity_per_pod);
  for (int64_t s = tl.warm_up; s < tl.seconds; ++s) bench.total_demand += tl.Demand(s);
  bench.reactive_metric = MetricAtSyncs(tl, d, *MakeReactiveSource(tl));
  bench.reference_pod_seconds =
      SimulateHpa(tl, d, bench.capacity, d.target_utilization, bench.reactive_metric)
          .result.pod_seconds;
  for (double target : o.grid.targets) {
    const Run run = SimulateHpa(tl, d, bench.capacity, target, bench.reactive_metric);
    result.reactive.push_back({Strategy::kReactive, target,
                               bench.total_demand > 0 ? run.unserved / bench.total_demand : 0,
                               run.result.pod_seconds});
  }

  if (auto e = CollectCandidates(bench, o, &result)) return *e;
  Recommend(o.objective, &result);
  if (auto e = Validate(history, base, train_seconds, o.threads, &result)) return *e;
  return result;
}

}  // namespace prescale::policies
