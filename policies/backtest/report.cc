#include "policies/backtest/report.h"

#include <nlohmann/json.hpp>

#include <cinttypes>
#include <cmath>
#include <cstdio>

#include "common/duration.h"

namespace prescale::policies {
namespace {

std::string Format(const char* fmt, auto... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

std::string Lead(const std::optional<double>& lead) {
  return lead ? Format("%+.0fs", *lead) : std::string("-");
}

nlohmann::json OptionalJson(const auto& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json StrategyJson(const StrategyResult& s) {
  return {
      {"unserved_fraction", s.unserved_fraction},
      {"underprovisioned_seconds", s.underprovisioned_seconds},
      {"pod_seconds", s.pod_seconds},
      {"max_replicas_used", s.max_replicas_used},
      {"scale_events", s.scale_events},
      {"spikes_ready_before_onset", s.spikes_ready_before_onset},
      {"scheduled_spikes_ready", s.scheduled_spikes_ready},
      {"unscheduled_spikes_ready", s.unscheduled_spikes_ready},
      {"median_spike_lead_seconds", OptionalJson(s.median_spike_lead_seconds)},
      {"unserved_by_cause",
       {{"scheduled", s.unserved_by_cause.scheduled},
        {"unscheduled_ramp", s.unserved_by_cause.unscheduled_ramp},
        {"other", s.unserved_by_cause.other}}},
      {"target_utilization", OptionalJson(s.target_utilization)},
  };
}

// A number, or null when not finite (JSON has no infinity).
nlohmann::json FiniteJson(const std::optional<double>& v) {
  return v && std::isfinite(*v) ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

std::string FormatBacktestTable(const BacktestResult& r, const std::string& trace_name) {
  const auto span = std::chrono::milliseconds(r.seconds * 1000);
  const auto step = std::chrono::milliseconds(static_cast<int64_t>(r.step_seconds * 1000));
  std::string out =
      Format("%s: %s at %s steps, capacity per pod %.4g, %zu spikes, model %s\n",
             trace_name.c_str(), FormatDuration(span).c_str(), FormatDuration(step).c_str(),
             r.capacity_per_pod, r.spikes.size(), r.model_name.c_str());
  size_t scheduled = 0;
  for (const SpikeResult& spike : r.spikes) scheduled += spike.scheduled;
  out += Format("%-16s %9s %12s %11s %7s %5s %7s %13s %12s %11s\n", "strategy", "unserved",
                "underprov_s", "pod_hours", "target", "max", "scales", "spikes_ready",
                "median_lead", "scheduled");
  const auto row = [&](const char* name, const StrategyResult& s) {
    const std::string target =
        s.target_utilization ? Format("%.3f", *s.target_utilization) : std::string("-");
    out += Format("%-16s %8.3f%% %12" PRId64 " %11.1f %7s %5d %7" PRId64 " %13s %12s %11s\n", name,
                  100 * s.unserved_fraction, s.underprovisioned_seconds, s.pod_seconds / 3600,
                  target.c_str(), s.max_replicas_used, s.scale_events,
                  Format("%d/%zu", s.spikes_ready_before_onset, r.spikes.size()).c_str(),
                  Lead(s.median_spike_lead_seconds).c_str(),
                  Format("%d/%zu", s.scheduled_spikes_ready, scheduled).c_str());
  };
  for (int k = 0; k < kStrategyCount; ++k) {
    if (r.strategies[k]) row(StrategyName(static_cast<Strategy>(k)), *r.strategies[k]);
  }
  for (const BacktestResult::LearnedEvent& l : r.learned_events) {
    out += Format("learned event %s: \"%s\" %s, from %.0f\n", l.event.name.c_str(),
                  l.event.schedule.c_str(), l.event.timezone.c_str(), l.since);
  }
  if (r.equal_cost_advantage)
    out += Format("equal-cost advantage: %.2f (reactive_matched's unserved / prescale's)\n",
                  *r.equal_cost_advantage);
  return out;
}

std::string BacktestJson(const BacktestResult& r, const std::string& trace_name) {
  nlohmann::json j;
  j["trace"] = trace_name;
  j["start"] = r.start_unix;
  j["seconds"] = r.seconds;
  j["warm_up_seconds"] = r.warm_up_seconds;
  j["step_seconds"] = r.step_seconds;
  j["capacity_per_pod"] = r.capacity_per_pod;
  j["model"] = r.model_name;
  j["equal_cost_advantage"] = FiniteJson(r.equal_cost_advantage);
  nlohmann::json strategies = nlohmann::json::object();
  for (int k = 0; k < kStrategyCount; ++k) {
    if (r.strategies[k])
      strategies[StrategyName(static_cast<Strategy>(k))] = StrategyJson(*r.strategies[k]);
  }
  j["strategies"] = std::move(strategies);
  nlohmann::json spikes = nlohmann::json::array();
  for (const SpikeResult& s : r.spikes) {
    nlohmann::json leads = nlohmann::json::object();
    for (int k = 0; k < kStrategyCount; ++k) {
      if (r.strategies[k])
        leads[StrategyName(static_cast<Strategy>(k))] = OptionalJson(s.lead_seconds[k]);
    }
    spikes.push_back({{"onset", s.onset_unix},
                      {"class", s.scheduled ? "scheduled" : "unscheduled"},
                      {"required", s.required},
                      {"required_before", s.required_before},
                      {"lead_seconds", leads}});
  }
  j["spikes"] = std::move(spikes);
  nlohmann::json learned = nlohmann::json::array();
  for (const BacktestResult::LearnedEvent& l : r.learned_events) {
    learned.push_back({{"name", l.event.name},
                       {"schedule", l.event.schedule},
                       {"timezone", l.event.timezone},
                       {"learned_at", l.since}});
  }
  j["learned_events"] = std::move(learned);
  if (!r.frontier.empty()) {
    nlohmann::json frontier = nlohmann::json::array();
    for (const FrontierPoint& p : r.frontier) {
      frontier.push_back(
          {{"strategy", StrategyName(p.strategy)},
           {p.strategy == Strategy::kReactive ? "target_utilization" : "quantile", p.parameter},
           {"unserved_fraction", p.unserved_fraction},
           {"pod_seconds", p.pod_seconds}});
    }
    j["frontier"] = std::move(frontier);
  }
  return j.dump(2) + "\n";
}

std::string BacktestSeriesCsv(const BacktestResult& r) {
  std::string out =
      "t,demand,observed,forecast,replicas_reactive,ready_reactive,replicas_prescale,"
      "ready_prescale,replicas_oracle,replicas_seasonal_naive,ready_seasonal_naive,"
      "replicas_reactive_matched,ready_reactive_matched";
  using enum Strategy;
  const bool perfect = r.ran(kPerfectForecast);
  out += perfect ? ",replicas_perfect_forecast,ready_perfect_forecast\n" : "\n";
  const auto at = [](const std::array<int, kStrategyCount>& a, Strategy s) {
    return a[static_cast<int>(s)];
  };
  for (const SeriesRow& row : r.series) {
    out += Format("%.0f,%.9g,%.9g,%.9g,%d,%d,%d,%d,%d,%d,%d,%d,%d", row.t, row.demand, row.observed,
                  row.forecast, at(row.replicas, kReactive), at(row.ready, kReactive),
                  at(row.replicas, kPrescale), at(row.ready, kPrescale), at(row.replicas, kOracle),
                  at(row.replicas, kSeasonalNaive), at(row.ready, kSeasonalNaive),
                  at(row.replicas, kReactiveMatched), at(row.ready, kReactiveMatched));
    out += perfect ? Format(",%d,%d\n", at(row.replicas, kPerfectForecast),
                            at(row.ready, kPerfectForecast))
                   : "\n";
  }
  return out;
}

}  // namespace prescale::policies
