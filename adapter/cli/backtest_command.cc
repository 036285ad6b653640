// `prescale backtest` (docs/backtest.md): replays a demand trace through reactive, seasonal-naive,
// prescale and oracle scaling and reports unserved demand, cost and spike leads.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <tuple>

#include "adapter/cli/commands.h"
#include "adapter/cli/history_source.h"
#include "adapter/cli/offline_inputs.h"
#include "adapter/cli/policy_overrides.h"
#include "common/duration.h"
#include "forecasting/model.h"
#include "forecasting/trace.h"
#include "policies/backtest/backtest.h"
#include "policies/backtest/frontier.h"
#include "policies/backtest/plot.h"
#include "policies/backtest/report.h"

namespace prescale::cli {
namespace {

namespace fc = prescale::forecasting;

struct BacktestFlags {
  HistoryFlags history;
  std::string config, policy, json, series_out, plot, frontier;
  PolicyOverrides overrides;
  std::optional<int> min_replicas, max_replicas;
  std::optional<double> capacity_per_pod, target_utilization;
  std::string pod_startup, sync_period, refit_every, warm_up;
  bool no_events = false;
  bool perfect_forecast = false;
};

int Fail(int code, const std::string& message) {
  std::cerr << "prescale backtest: " << message << "\n";
  return code;
}

std::string ParseDurationFlag(const std::string& text, const char* name, Duration* out) {
  if (text.empty()) return "";
  std::string error;
  const auto parsed = ParseDuration(text, &error);
  if (!parsed) return std::string(name) + ": " + error;
  *out = *parsed;
  return "";
}

// Flags override the policy's `backtest` section. Returns an error message or "".
std::string ApplyFlags(const BacktestFlags& f, policies::BacktestOptions* o) {
  policies::BacktestSpec* d = &o->policy.backtest;
  if (f.min_replicas) d->min_replicas = *f.min_replicas;
  if (f.max_replicas) d->max_replicas = *f.max_replicas;
  if (d->min_replicas < 1 || d->max_replicas < d->min_replicas)
    return "replicas: need 1 <= --min-replicas <= --max-replicas";
  if (f.capacity_per_pod) {
    if (!(*f.capacity_per_pod > 0)) return "--capacity-per-pod must be greater than 0";
    d->capacity_per_pod = *f.capacity_per_pod;
  }
  if (f.target_utilization) {
    if (!(*f.target_utilization > 0 && *f.target_utilization <= 1))
      return "--target-utilization must be in (0, 1]";
    d->target_utilization = *f.target_utilization;
  }
  for (auto [text, name, field] :
       {std::tuple{&f.pod_startup, "--pod-startup", &d->pod_startup},
        std::tuple{&f.sync_period, "--sync-period", &d->sync_period},
        std::tuple{&f.refit_every, "--refit-every", &o->policy.refit_every},
        std::tuple{&f.warm_up, "--warm-up", &o->warm_up}}) {
    if (std::string e = ParseDurationFlag(*text, name, field); !e.empty()) return e;
  }
  if (d->sync_period < std::chrono::seconds(1)) return "--sync-period must be at least 1s";
  if (o->policy.refit_every < std::chrono::seconds(1)) return "--refit-every must be at least 1s";
  return "";
}

// Per series of a multi-series history (at most kPerSeries): the series backtested alone, as if
// it had its own deployment, next to its share of the demand.
constexpr size_t kPerSeries = 20;

nlohmann::ordered_json PerSeries(const History& h, const policies::BacktestOptions& options,
                                 std::string* table) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  double total = 0;
  for (double v : h.total.values) total += v;
  for (size_t i = 0; i < h.series.size() && i < kPerSeries; ++i) {
    policies::BacktestOptions alone = options;
    alone.series.clear();
    alone.frontier = alone.keep_per_second = alone.perfect_forecast = false;
    auto out = policies::RunBacktest(h.series[i].trace, alone);
    if (!std::holds_alternative<policies::BacktestResult>(out)) continue;
    const auto& r = std::get<policies::BacktestResult>(out);
    double sum = 0;
    for (double v : h.series[i].trace.values) sum += v;
    nlohmann::ordered_json labels(h.series[i].labels);
    const auto& p = r.of(policies::Strategy::kPrescale);
    const auto& re = r.of(policies::Strategy::kReactive);
    const double eca = r.equal_cost_advantage.value_or(0);
    list.push_back(
        {{"labels", labels},
         {"demand_share", total > 0 ? sum / total : 0},
         {"capacity_per_pod", r.capacity_per_pod},
         {"prescale_unserved_fraction", p.unserved_fraction},
         {"reactive_unserved_fraction", re.unserved_fraction},
         {"cost", re.pod_seconds > 0 ? p.pod_seconds / re.pod_seconds : 0},
         {"equal_cost_advantage",
          r.equal_cost_advantage && std::isfinite(eca) ? nlohmann::ordered_json(eca) : nullptr}});
    char line[512];
    std::snprintf(line, sizeof line,
                  "series %s: %.1f%% of demand; alone: prescale %.3f%% unserved at %.2fx "
                  "reactive's cost (reactive %.3f%%), equal-cost advantage %.2f\n",
                  labels.dump().c_str(), 100 * list.back()["demand_share"].get<double>(),
                  100 * p.unserved_fraction, list.back()["cost"].get<double>(),
                  100 * re.unserved_fraction, eca);
    *table += line;
  }
  return list;
}

int Run(const BacktestFlags& f) {
  policies::BacktestOptions options;
  if (std::string e = ChoosePolicy(f.config, f.policy, &options.policy); !e.empty())
    return Fail(2, e);
  policies::Policy& policy = options.policy;
  if (f.no_events) policy.events.clear();
  if (std::string e = f.overrides.Apply(&policy); !e.empty()) return Fail(2, e);
  if (std::string e = ApplyFlags(f, &options); !e.empty()) return Fail(2, e);
  History history;
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (auto e =
          LoadHistory(f.history, policy, !f.config.empty(), now, "prescale backtest", &history))
    return Fail(e->code, e->message);
  const fc::Trace& trace = history.total;
  const std::string& name = history.name;
  options.series = history.series;

  options.keep_per_second = !f.plot.empty();
  options.perfect_forecast = f.perfect_forecast;
  options.frontier = !f.frontier.empty();
  options.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  auto outcome = policies::RunBacktest(trace, options);
  if (auto* e = std::get_if<policies::BacktestError>(&outcome)) return Fail(2, e->message);
  const auto& result = std::get<policies::BacktestResult>(outcome);

  // With --json - stdout carries only the JSON document.
  std::string table = policies::FormatBacktestTable(result, name);
  std::string json = policies::BacktestJson(result, name);
  if (history.series.size() > 1) {
    auto doc = nlohmann::ordered_json::parse(json);
    doc["series"] = PerSeries(history, options, &table);
    json = doc.dump(2) + "\n";
  }
  (f.json == "-" ? std::cerr : std::cout) << table;
  if (!f.json.empty() && !WriteOutput(f.json, json)) return Fail(1, f.json + ": cannot write");
  if (!f.series_out.empty() && !WriteOutput(f.series_out, policies::BacktestSeriesCsv(result)))
    return Fail(1, f.series_out + ": cannot write");
  if (!f.frontier.empty()) {
    (f.json == "-" ? std::cerr : std::cout) << policies::FormatFrontierTable(result.frontier);
    std::vector<policies::FrontierPoint> marks;
    for (auto s : {policies::Strategy::kPrescale, policies::Strategy::kReactiveMatched}) {
      const policies::StrategyResult& r = result.of(s);
      marks.push_back({s, r.target_utilization.value_or(0), r.unserved_fraction, r.pod_seconds});
    }
    const std::string title = "Cost and unserved demand: " + name + " (policy " + policy.name + ")";
    if (!WriteOutput(f.frontier, policies::RenderFrontierSvg(result.frontier, marks, title)))
      return Fail(1, f.frontier + ": cannot write");
  }
  if (!f.plot.empty()) {
    const std::string title = "prescale backtest: " + name + " (policy " + policy.name + ")";
    if (!WriteOutput(f.plot, policies::RenderBacktestSvg(result, trace, title)))
      return Fail(1, f.plot + ": cannot write");
  }
  return 0;
}

}  // namespace

CommandRunner AddBacktestCommand(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "backtest",
      "Replay a demand trace through reactive, seasonal-naive, prescale and oracle scaling");
  auto f = std::make_shared<BacktestFlags>();
  f->history.AddFlags(*cmd);
  cmd->add_option("--config", f->config, "Policy file (default: the built-in example policy)");
  cmd->add_option("--policy", f->policy, "Policy name in --config (default: the first)");
  cmd->add_option("--min-replicas", f->min_replicas, "HPA minReplicas (default 5)");
  cmd->add_option("--max-replicas", f->max_replicas, "HPA maxReplicas (default 50)");
  cmd->add_option("--capacity-per-pod", f->capacity_per_pod,
                  "Demand one pod serves (default: 99.9th percentile of demand / max-replicas)");
  cmd->add_option("--target-utilization", f->target_utilization,
                  "AverageValue target = capacity-per-pod x this (default 0.8)");
  cmd->add_option("--pod-startup", f->pod_startup, "Request-to-ready time of a pod (default 30s)");
  cmd->add_option("--sync-period", f->sync_period, "HPA sync period (default 15s)");
  f->overrides.AddFlags(*cmd);
  cmd->add_option("--refit-every", f->refit_every,
                  "Override the policy's refit_every (default 1h, as serve refits; more often "
                  "while history is short)");
  cmd->add_flag("--no-events", f->no_events, "Ignore the policy's calendar events");
  cmd->add_option("--warm-up", f->warm_up,
                  "Simulate but do not account the first D of the trace (figures as for a serve "
                  "that had loaded that much history; default 0)");
  cmd->add_flag("--perfect-forecast", f->perfect_forecast,
                "Also report perfect_forecast: the policy's decision on the true future demand "
                "(what lead and hold cost without forecast error)");
  cmd->add_option("--json", f->json, "Write the JSON report to PATH, or - for stdout");
  cmd->add_option("--series-out", f->series_out, "Write one CSV row per sync period to PATH");
  cmd->add_option("--plot", f->plot, "Write an SVG plot to PATH");
  cmd->add_option("--frontier", f->frontier,
                  "Also run reactive over target utilizations 0.3-1 and prescale over quantiles "
                  "0.5-0.99; print the table and write the cost/unserved SVG to PATH");
  return [f] { return Run(*f); };
}

}  // namespace prescale::cli
