#include "policies/backtest/backtest.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "policies/backtest/frontier.h"
#include "policies/backtest/spikes.h"
#include "policies/backtest/strategies.h"

namespace prescale::policies {
namespace {

int64_t WholeSeconds(Duration d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const double rank = p * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(rank));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (rank - static_cast<double>(lo));
}

// The windows [occurrence - before, occurrence + after] of every configured event over the trace,
// and of every learned one from when it was learned, in seconds from the trace start, sorted.
std::vector<std::pair<double, double>> EventWindows(
    const forecasting::EventCalendar& calendar,
    const std::vector<BacktestResult::LearnedEvent>& learned, double start, double seconds) {
  std::vector<std::pair<double, double>> windows;
  const auto add = [&](const forecasting::ScheduledEvent& e, double from) {
    std::vector<double> at;
    e.OccurrencesBetween(std::max(from, start - e.after_seconds()),
                         start + seconds + e.before_seconds(), &at);
    for (double t : at)
      windows.emplace_back(t - e.before_seconds() - start, t + e.after_seconds() - start);
  };
  for (const forecasting::ScheduledEvent& e : calendar.events()) add(e, start - 86400);
  for (const BacktestResult::LearnedEvent& l : learned) {
    forecasting::CalendarError error;
    if (auto e = forecasting::ScheduledEvent::Create(l.event, &error)) add(*e, l.since);
  }
  std::sort(windows.begin(), windows.end());
  return windows;
}

// Per second: 0 outside any window, 1 inside an event's window, 2 within 10 minutes after an
// unscheduled spike onset (and outside event windows).
std::vector<uint8_t> LossCauses(int64_t seconds, const std::vector<std::pair<double, double>>& w,
                                const std::vector<SpikeResult>& spikes, double start) {
  std::vector<uint8_t> cause(static_cast<size_t>(seconds), 0);
  for (const SpikeResult& spike : spikes) {
    if (spike.scheduled) continue;
    const auto onset = static_cast<int64_t>(spike.onset_unix - start);
    for (int64_t s = std::max<int64_t>(0, onset); s < std::min(seconds, onset + 600); ++s)
      cause[static_cast<size_t>(s)] = 2;
  }
  for (const auto& [from, to] : w) {
    const auto a = std::max<int64_t>(0, static_cast<int64_t>(std::ceil(from)));
    const auto b = std::min<int64_t>(seconds - 1, static_cast<int64_t>(std::floor(to)));
    for (int64_t s = a; s <= b; ++s) cause[static_cast<size_t>(s)] = 1;
  }
  return cause;
}

void BreakDownLosses(const Timeline& tl, double capacity, const std::vector<uint8_t>& cause,
                     double total_demand, Run* run) {
  LossBreakdown& out = run->result.unserved_by_cause;
  for (int64_t s = tl.warm_up; s < tl.seconds; ++s) {
    const double short_by =
        tl.Demand(s) - static_cast<double>(run->ready[static_cast<size_t>(s)]) * capacity;
    if (!(short_by > 1e-9)) continue;
    const uint8_t c = cause[static_cast<size_t>(s)];
    (c == 1 ? out.scheduled : c == 2 ? out.unscheduled_ramp : out.other) += short_by;
  }
  if (total_demand > 0) {
    out.scheduled /= total_demand;
    out.unscheduled_ramp /= total_demand;
    out.other /= total_demand;
  }
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
    case Strategy::kReactiveMatched:
      return "reactive_matched";
    case Strategy::kPerfectForecast:
      return "perfect_forecast";
  }
  return "?";
}

std::variant<BacktestResult, BacktestError> RunBacktest(const forecasting::Trace& trace,
                                                        const BacktestOptions& o) {
  if (trace.values.empty()) return BacktestError{"the trace is empty"};
  if (!(trace.step_seconds >= 1)) return BacktestError{"the trace step must be at least 1 s"};
  auto made = PipelineSettings::Create(o.policy, trace.step_seconds, o.make_model);
  if (auto* e = std::get_if<std::string>(&made)) return BacktestError{*e};
  const auto settings = std::get<std::shared_ptr<const PipelineSettings>>(std::move(made));
  std::string why;
  const std::optional<ServedForecast> served = ServedForecast::Create(o.policy, &why);
  forecasting::CalendarError calendar_error;
  const std::optional<forecasting::EventCalendar> calendar =
      forecasting::EventCalendar::Create(o.policy.events, &calendar_error);
  if (!served) return BacktestError{why};
  if (!calendar) return BacktestError{calendar_error.ToString()};

  BacktestResult result;
  result.start_unix = trace.start_unix;
  result.step_seconds = trace.step_seconds;
  result.seconds = static_cast<int64_t>(
      std::ceil(static_cast<double>(trace.values.size()) * trace.step_seconds));
  const Timeline tl{trace, result.seconds, ToSeconds(o.policy.grace),
                    std::chrono::duration_cast<std::chrono::seconds>(o.warm_up).count()};
  result.warm_up_seconds = tl.warm_up;
  const BacktestSpec& d = o.policy.backtest;
  const double p999 = Percentile(trace.values, 0.999);
  result.capacity_per_pod = d.capacity_per_pod.value_or(p999 > 0 ? p999 / d.max_replicas : 1.0);
  const double capacity = result.capacity_per_pod;
  const double target = d.target_utilization;

  std::array<std::optional<Run>, kStrategyCount> runs;
  auto at = [&runs](Strategy s) -> std::optional<Run>& { return runs[static_cast<int>(s)]; };
  const std::vector<double> reactive = MetricAtSyncs(tl, d, *MakeReactiveSource(tl));
  at(Strategy::kReactive) = SimulateHpa(tl, d, capacity, target, reactive);
  at(Strategy::kSeasonalNaive) =
      SimulateHpa(tl, d, capacity, target,
                  MetricAtSyncs(tl, d, *MakeSeasonalNaiveSource(tl, WholeSeconds(o.policy.lead))));
  const std::unique_ptr<MetricSource> prescale = MakePrescaleSource(tl, settings, o.series);
  at(Strategy::kPrescale) = SimulateHpa(tl, d, capacity, target, MetricAtSyncs(tl, d, *prescale));
  result.model_name = PrescaleModelName(*prescale);
  for (const SeriesPipeline::Learned& l : PrescaleLearnedEvents(*prescale))
    result.learned_events.push_back({l.event, l.since});
  at(Strategy::kOracle) = SimulateOracle(tl, d, capacity);
  double matched_target = target;
  at(Strategy::kReactiveMatched) = MatchReactive(
      tl, d, capacity, reactive, at(Strategy::kPrescale)->result.pod_seconds, o, &matched_target);
  if (o.perfect_forecast) {
    at(Strategy::kPerfectForecast) =
        SimulateHpa(tl, d, capacity, target,
                    MetricAtSyncs(tl, d, *MakePerfectForecastSource(tl, o.policy, *served)));
  }
  for (Strategy s : {Strategy::kReactive, Strategy::kSeasonalNaive, Strategy::kPrescale,
                     Strategy::kPerfectForecast}) {
    if (at(s)) at(s)->result.target_utilization = target;
  }

  double total_demand = 0;
  for (int64_t s = tl.warm_up; s < tl.seconds; ++s) total_demand += tl.Demand(s);
  for (std::optional<Run>& run : runs) {
    if (run) run->result.unserved_fraction = total_demand > 0 ? run->unserved / total_demand : 0;
  }
  const double prescale_unserved = at(Strategy::kPrescale)->result.unserved_fraction;
  const double matched_unserved = at(Strategy::kReactiveMatched)->result.unserved_fraction;
  if (prescale_unserved > 0)
    result.equal_cost_advantage = matched_unserved / prescale_unserved;
  else if (matched_unserved > 0)
    result.equal_cost_advantage = std::numeric_limits<double>::infinity();

  if (o.frontier) result.frontier = RunFrontier(tl, o, capacity, reactive);

  // Spikes, on `required` at bucket starts, classed by the calendar.
  const std::vector<std::pair<double, double>> windows = EventWindows(
      *calendar, result.learned_events, trace.start_unix, static_cast<double>(tl.seconds));
  std::vector<int> required(trace.values.size());
  for (size_t i = 0; i < required.size(); ++i) required[i] = Required(trace.values[i], capacity, d);
  std::array<std::vector<std::optional<int64_t>>, kStrategyCount> leads;
  for (const SpikeOnset& found : FindSpikeOnsets(required, trace.step_seconds)) {
    const size_t i = found.bucket;
    SpikeResult spike;
    spike.required_before = found.required_before;
    const auto onset = static_cast<int64_t>(std::ceil(static_cast<double>(i) * trace.step_seconds));
    if (onset < tl.warm_up) continue;
    spike.onset_unix = trace.start_unix + static_cast<double>(onset);
    spike.required = required[i];
    for (const auto& [from, to] : windows)
      spike.scheduled = spike.scheduled ||
                        (from <= static_cast<double>(onset) && static_cast<double>(onset) <= to);
    for (int k = 0; k < kStrategyCount; ++k) {
      if (!runs[k]) continue;
      spike.lead_seconds[k] = SpikeLead(runs[k]->ready, onset, required[i]);
      leads[k].push_back(spike.lead_seconds[k]);
      if (spike.lead_seconds[k] && *spike.lead_seconds[k] >= 0) {
        ++runs[k]->result.spikes_ready_before_onset;
        ++(spike.scheduled ? runs[k]->result.scheduled_spikes_ready
                           : runs[k]->result.unscheduled_spikes_ready);
      }
    }
    result.spikes.push_back(spike);
  }
  const std::vector<uint8_t> causes =
      LossCauses(tl.seconds, windows, result.spikes, trace.start_unix);
  for (int k = 0; k < kStrategyCount; ++k) {
    if (!runs[k]) continue;
    runs[k]->result.median_spike_lead_seconds = MedianLead(leads[k]);
    BreakDownLosses(tl, capacity, causes, total_demand, &*runs[k]);
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

namespace prescale::policies {

std::variant<forecasting::Trace, std::string> AlignAndSum(std::vector<SeriesTrace>* series) {
  if (series->empty()) return std::string("no series");
  const double step = series->front().trace.step_seconds;
  double start = series->front().trace.start_unix, end = start;
  for (const SeriesTrace& s : *series) {
    if (std::abs(s.trace.step_seconds - step) > 1e-9)
      return std::string("the series have different steps");
    start = std::min(start, s.trace.start_unix);
    end = std::max(end, s.trace.BucketStart(s.trace.values.size()));
  }
  const auto buckets = static_cast<size_t>(std::llround((end - start) / step));
  forecasting::Trace total{start, step, std::vector<double>(buckets, 0.0)};
  for (SeriesTrace& s : *series) {
    std::vector<double> aligned(buckets, 0.0);
    const auto offset = static_cast<size_t>(std::llround((s.trace.start_unix - start) / step));
    for (size_t i = 0; i < s.trace.values.size(); ++i) {
      aligned[offset + i] = s.trace.values[i];
      total.values[offset + i] += s.trace.values[i];
    }
    s.trace = {start, step, std::move(aligned)};
  }
  return total;
}

}  // namespace prescale::policies
