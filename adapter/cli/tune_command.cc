// `prescale tune` (docs/tune.md): searches a policy's knobs on the first part of a history,
// validates the recommendation on the rest, prints the Pareto front and writes the tuned policy.
#include <CLI/CLI.hpp>

#include <chrono>
#include <iostream>
#include <optional>
#include <thread>

#include "adapter/cli/commands.h"
#include "adapter/cli/history_source.h"
#include "adapter/cli/offline_inputs.h"
#include "adapter/cli/progress.h"
#include "common/duration.h"
#include "common/read_file.h"
#include "common/rfc3339.h"
#include "policies/backtest/tune.h"
#include "policies/backtest/tune_report.h"
#include "policies/example_policy.h"
#include "policies/policy_file.h"
#include "policies/policy_writer.h"

namespace prescale::cli {
namespace {

namespace fc = prescale::forecasting;

struct TuneFlags {
  HistoryFlags history;
  std::string config, policy, json, svg, write, warm_up, max_unserved, margin;
  double train_fraction = 0.6;
  std::optional<double> max_cost, capacity_per_pod;
  std::vector<double> quantiles, targets, event_window_scales;
  std::vector<std::string> leads, holds, models;
  int threads = 0;
  bool quiet = false;
};

int Fail(int code, const std::string& message) {
  std::cerr << "prescale tune: " << message << "\n";
  return code;
}

// "0.5%" or "0.005": a fraction of demand in [0, 1].
std::optional<double> ParseFraction(const std::string& text) {
  if (text.empty()) return std::nullopt;
  try {
    size_t used = 0;
    double v = std::stod(text, &used);
    if (used < text.size()) {
      if (text.substr(used) != "%") return std::nullopt;
      v /= 100;
    }
    if (v >= 0 && v <= 1) return v;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

std::string ParseDurations(const std::vector<std::string>& texts, const char* flag, bool positive,
                           std::vector<Duration>* out) {
  for (const std::string& text : texts) {
    std::string error;
    const std::optional<Duration> d = ParseDuration(text, &error);
    if (!d) return std::string(flag) + ": " + error;
    if (*d < Duration::zero() || (positive && *d == Duration::zero()))
      return std::string(flag) + ": " + text + " must be " + (positive ? "positive" : ">= 0");
    out->push_back(*d);
  }
  return "";
}

// The grid: the default one around the policy, each knob replaced by its flag when given.
std::string BuildGrid(const TuneFlags& f, const policies::Policy& policy, policies::TuneGrid* g) {
  *g = policies::DefaultTuneGrid(policy);
  if (!f.quantiles.empty()) g->quantiles = f.quantiles;
  for (double q : g->quantiles)
    if (!(q > 0 && q < 1)) return "--quantiles: each must be in (0, 1)";
  if (!f.targets.empty()) g->targets = f.targets;
  for (double t : g->targets)
    if (!(t > 0 && t <= 1)) return "--targets: each must be in (0, 1]";
  if (!f.event_window_scales.empty()) g->event_window_scales = f.event_window_scales;
  for (double s : g->event_window_scales)
    if (!(s > 0 && s <= 100)) return "--event-window-scales: each must be in (0, 100]";
  if (!f.models.empty()) g->models = f.models;
  if (!f.leads.empty()) g->leads.clear();
  if (!f.holds.empty()) g->holds.clear();
  if (std::string e = ParseDurations(f.leads, "--leads", true, &g->leads); !e.empty()) return e;
  for (Duration lead : g->leads)
    if (lead > policy.history) return "--leads: a lead exceeds the policy's history";
  return ParseDurations(f.holds, "--holds", false, &g->holds);
}

// Writes the tuned policy, after checking that it loads as check-config would load it.
int WritePolicy(const TuneFlags& f, const std::string& history_name, const policies::TuneResult& r,
                const policies::Policy& current) {
  std::string text;
  if (f.config.empty()) {
    text = std::string(policies::ExamplePolicyYaml());
  } else if (std::optional<std::string> read = ReadFile(f.config)) {
    text = *read;
  } else {
    return Fail(1, f.config + ": cannot read the file");
  }
  const policies::TuneCandidate& best = r.candidates[*r.recommended];
  std::string header = "# Tuned by `prescale tune` on " + history_name + " (training part before " +
                       FormatRfc3339(r.split_unix) + "): " + policies::DescribeKnobs(best.knobs) +
                       ".\n";
  std::string out, error;
  if (!policies::RewritePolicy(text, current.name, policies::WithKnobs(current, best.knobs), header,
                               &out, &error))
    return Fail(1, "--write: " + error);
  const policies::LoadResult check = policies::ParseConfig(out, f.write);
  if (!check.config) {
    return Fail(1, "--write: the tuned file would not load: " + check.errors.front().ToString());
  }
  if (!WriteOutput(f.write, out)) return Fail(1, f.write + ": cannot write");
  return 0;
}

int Run(const TuneFlags& f) {
  policies::TuneOptions options;
  if (std::string e = ChoosePolicy(f.config, f.policy, &options.base.policy); !e.empty())
    return Fail(2, e);
  const policies::Policy& policy = options.base.policy;
  if (!(f.train_fraction > 0 && f.train_fraction < 1))
    return Fail(2, "--train-fraction must be in (0, 1)");
  options.train_fraction = f.train_fraction;
  if (f.max_cost) {
    if (!(*f.max_cost > 0)) return Fail(2, "--max-cost must be greater than 0");
    options.objective.max_cost = f.max_cost;
  }
  if (!f.max_unserved.empty()) {
    options.objective.max_unserved = ParseFraction(f.max_unserved);
    if (!options.objective.max_unserved)
      return Fail(2,
                  "--max-unserved: \"" + f.max_unserved + "\" is not a fraction (0.005 or 0.5%)");
  }
  if (!f.margin.empty()) {
    const std::optional<double> margin = ParseFraction(f.margin);
    if (!margin) return Fail(2, "--margin: \"" + f.margin + "\" is not a fraction (0.05 or 5%)");
    options.objective.margin = *margin;
  }
  if (f.capacity_per_pod) {
    if (!(*f.capacity_per_pod > 0)) return Fail(2, "--capacity-per-pod must be greater than 0");
    options.base.policy.backtest.capacity_per_pod = f.capacity_per_pod;
  }
  if (!f.warm_up.empty()) {
    std::string error;
    const std::optional<Duration> d = ParseDuration(f.warm_up, &error);
    if (!d || *d < Duration::zero()) return Fail(2, "--warm-up: " + (d ? "negative" : error));
    options.train_warm_up = *d;
  }
  if (std::string e = BuildGrid(f, policy, &options.grid); !e.empty()) return Fail(2, e);
  History history;
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (auto e = LoadHistory(f.history, policy, !f.config.empty(), now, "prescale tune", &history))
    return Fail(e->code, e->message);
  const fc::Trace& trace = history.total;
  options.base.series = history.series;

  options.threads = f.threads > 0
                        ? f.threads
                        : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  Progress progress("prescale tune", "candidates evaluated", Progress::StderrIsTerminal());
  if (!f.quiet) options.progress = [&](size_t done, size_t total) { progress.Update(done, total); };
  auto outcome = policies::RunTune(trace, options);
  if (auto* e = std::get_if<policies::BacktestError>(&outcome)) return Fail(2, e->message);
  const auto& result = std::get<policies::TuneResult>(outcome);

  (f.json == "-" ? std::cerr : std::cout) << policies::FormatTuneReport(result, history.name);
  if (!f.json.empty() && !WriteOutput(f.json, policies::TuneJson(result, history.name)))
    return Fail(1, f.json + ": cannot write");
  if (!f.svg.empty()) {
    const std::string title = "prescale tune: " + history.name + " (policy " + policy.name + ")";
    if (!WriteOutput(f.svg, policies::RenderTuneSvg(result, title)))
      return Fail(1, f.svg + ": cannot write");
  }
  if (!result.recommended) return Fail(1, "no candidate meets the objective on the training part");
  if (!result.validation_meets_constraints)
    std::cerr << "prescale tune: warning: the recommendation does not meet the objective on the "
                 "validation part\n";
  if (!f.write.empty()) return WritePolicy(f, history.name, result, policy);
  return 0;
}

}  // namespace

CommandRunner AddTuneCommand(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "tune",
      "Search a policy's knobs (quantile, lead, scale-down hold, model, HPA target utilization, "
      "event windows) on the first part of a history and validate on the rest");
  auto f = std::make_shared<TuneFlags>();
  f->history.AddFlags(*cmd);
  cmd->add_option("--config", f->config, "Policy file (default: the built-in example policy)");
  cmd->add_option("--policy", f->policy, "Policy name in --config (default: the first)");
  cmd->add_option("--train-fraction", f->train_fraction,
                  "Fraction of the history's buckets to search on; the rest validates")
      ->default_val(0.6);
  cmd->add_option("--warm-up", f->warm_up,
                  "Simulated but not accounted at the start of the training part (default 1d, "
                  "at most half of it)");
  cmd->add_option("--max-cost", f->max_cost,
                  "Constraint: pod-seconds / a reactive HPA's at the current target; minimise "
                  "unserved demand (default: the current policy's cost)");
  cmd->add_option("--max-unserved", f->max_unserved,
                  "Constraint: unserved demand, e.g. 0.5% or 0.005; alone, minimise cost");
  cmd->add_option("--margin", f->margin,
                  "On the training part the constraints must hold with this margin, e.g. 5% "
                  "(default): cost <= max-cost / 1.05");
  cmd->add_option("--capacity-per-pod", f->capacity_per_pod,
                  "Demand one pod serves (default: the training part's 99.9th percentile / "
                  "max-replicas)");
  cmd->add_option("--quantiles", f->quantiles, "Quantiles to try (default 0.8,0.9,0.95,0.98)")
      ->delimiter(',');
  cmd->add_option("--leads", f->leads, "Leads to try (default the policy's and twice it)")
      ->delimiter(',');
  cmd->add_option("--holds", f->holds, "Scale-down holds to try (default 2m,5m,10m)")
      ->delimiter(',');
  cmd->add_option("--models", f->models, "Models to try (default the policy's)")->delimiter(',');
  cmd->add_option("--targets", f->targets,
                  "HPA target utilizations to try (default 0.6,0.7,0.8,0.9,1)")
      ->delimiter(',');
  cmd->add_option("--event-window-scales", f->event_window_scales,
                  "Factors on every event's before/after to try (default 1,2 with events)")
      ->delimiter(',');
  cmd->add_option("--threads", f->threads, "Worker threads (default: one per core)");
  cmd->add_flag("--quiet", f->quiet, "No progress on stderr");
  cmd->callback([f] { f->history.quiet = f->quiet; });
  cmd->add_option("--json", f->json, "Write the JSON report to PATH, or - for stdout");
  cmd->add_option("--svg", f->svg, "Write the cost/unserved frontier SVG to PATH");
  cmd->add_option("--write", f->write,
                  "Write the policy file with the recommended values to PATH (- for stdout)");
  return [f] { return Run(*f); };
}

}  // namespace prescale::cli
