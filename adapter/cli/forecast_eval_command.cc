// `prescale forecast-eval` (docs/forecast-eval.md): rolling-origin accuracy of a policy's model
// on a trace file. The first --train-fraction of the trace fits the model; then, for every later
// origin o, the model (updated online with every bucket before o) predicts bucket o + h - 1.
#include <time.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <variant>

#include "adapter/cli/commands.h"
#include "adapter/cli/history_source.h"
#include "adapter/cli/offline_inputs.h"
#include "adapter/cli/policy_overrides.h"
#include "common/duration.h"
#include "forecasting/calendar.h"
#include "forecasting/model.h"
#include "forecasting/recurring_events.h"
#include "forecasting/rolling_origin.h"
#include "forecasting/trace.h"
#include "policies/model_spec.h"

namespace prescale::cli {
namespace {

namespace fc = prescale::forecasting;

struct EvalFlags {
  HistoryFlags history;
  std::string horizon, config, policy, json;
  double train_fraction = 0.7;
  PolicyOverrides overrides;
};

// Wall time from the steady clock; CPU time of this thread, which unlike wall time does not
// count waiting for a busy machine.
class SystemStopwatch final : public fc::Stopwatch {
 public:
  double WallSeconds() const override {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  double CpuSeconds() const override {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  }
};

nlohmann::ordered_json Optional(const std::optional<double>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json ToJson(const fc::RollingOriginResult& r, const std::string& trace,
                              double step, long train_points, double horizon_seconds,
                              const std::vector<fc::EventSpec>& learned) {
  const fc::AccuracyReport& a = r.report;
  nlohmann::ordered_json j = {{"trace", trace},
                              {"model", r.model_name},
                              {"step_seconds", step},
                              {"train_points", train_points},
                              {"points", a.points},
                              {"horizon_seconds", horizon_seconds},
                              {"mae", a.mae},
                              {"mase", Optional(a.mase)},
                              {"rel_naive", Optional(a.rel_naive)},
                              {"rel_seasonal_naive", Optional(a.rel_seasonal_naive)},
                              {"smape", Optional(a.smape)},
                              {"quantile", a.quantile},
                              {"coverage", a.coverage},
                              {"pinball", a.pinball},
                              {"fit_seconds", r.fit_seconds},
                              {"fit_cpu_seconds", r.fit_cpu_seconds},
                              {"update_ns_per_point", r.update_ns}};
  nlohmann::ordered_json events = nlohmann::ordered_json::array();
  for (const fc::EventSpec& e : learned)
    events.push_back({{"name", e.name}, {"schedule", e.schedule}, {"timezone", e.timezone}});
  j["learned_events"] = std::move(events);
  return j;
}

std::string Number(const std::optional<double>& v) {
  if (!v || !std::isfinite(*v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", *v);
  return buf;
}

int Fail(int code, const std::string& message) {
  std::cerr << "prescale forecast-eval: " << message << "\n";
  return code;
}

struct Evaluation {
  nlohmann::ordered_json json;
  std::string text;  // the summary lines
};

// Evaluates `policy`'s model on `trace` (named `name` in the report). An error: the message,
// always bad input (exit 2).
std::variant<Evaluation, std::string> Evaluate(const fc::Trace& trace, const std::string& name,
                                               const policies::Policy& policy, Duration horizon,
                                               double train_fraction) {
  const int h =
      std::max(1, static_cast<int>(std::ceil(ToSeconds(horizon) / trace.step_seconds - 1e-9)));
  const long n = static_cast<long>(trace.values.size());
  const long n_train = std::max(1L, static_cast<long>(std::floor(train_fraction * n)));
  if (n_train + h - 1 >= n) {
    return name + ": too short to evaluate " + std::to_string(h) +
           " buckets ahead after the training part";
  }
  fc::ModelSpec spec = policies::ModelSpecFor(policy, trace.step_seconds);
  // The evaluated horizon is the one that matters here: auto scores its candidates and the
  // intervals are calibrated up to it.
  spec.lead_seconds = h * trace.step_seconds;
  // As serve's pipeline does at a refit: recurring events of the training part join the
  // calendar.
  std::vector<fc::EventSpec> learned;
  if (policy.learn_events) {
    std::vector<fc::ScheduledEvent> configured;
    for (const fc::EventSpec& e : spec.events) {
      fc::CalendarError why;
      if (auto event = fc::ScheduledEvent::Create(e, &why)) configured.push_back(*event);
    }
    learned = fc::FindRecurringEvents(
        trace.start_unix, trace.step_seconds,
        std::span<const double>(trace.values.data(), static_cast<size_t>(n_train)), configured);
    spec.events.insert(spec.events.end(), learned.begin(), learned.end());
  }
  auto made = fc::MakeModel(spec);
  if (auto* e = std::get_if<fc::ModelError>(&made)) return e->message;
  fc::Model& model = *std::get<std::unique_ptr<fc::Model>>(made);
  const fc::RollingOriginResult r =
      fc::EvaluateRollingOrigin(model, trace, n_train, h, policy.quantile, SystemStopwatch());
  const double horizon_seconds = h * trace.step_seconds;
  Evaluation out;
  out.json = ToJson(r, name, trace.step_seconds, n_train, horizon_seconds, learned);
  const auto& a = r.report;
  std::ostringstream text;
  text << name << ": model " << r.model_name << ", " << a.points << " forecasts "
       << FormatDuration(std::chrono::milliseconds(std::llround(horizon_seconds * 1e3)))
       << " ahead: MASE " << Number(a.mase) << ", rel_naive " << Number(a.rel_naive)
       << ", rel_seasonal_naive " << Number(a.rel_seasonal_naive)
       << ", coverage(q=" << Number(a.quantile) << ") " << Number(a.coverage) << ", fit "
       << Number(r.fit_seconds) << " s, update " << Number(r.update_ns) << " ns/point\n";
  for (const fc::EventSpec& e : learned)
    text << "learned event " << e.name << ": \"" << e.schedule << "\" " << e.timezone << "\n";
  out.text = text.str();
  return out;
}

int Run(const EvalFlags& f) {
  if (!(f.train_fraction > 0 && f.train_fraction < 1))
    return Fail(2, "--train-fraction must be in (0, 1)");
  policies::Policy policy;
  if (std::string e = ChoosePolicy(f.config, f.policy, &policy); !e.empty()) return Fail(2, e);
  if (std::string e = f.overrides.Apply(&policy); !e.empty()) return Fail(2, e);
  std::string error;
  const std::optional<Duration> horizon =
      f.horizon.empty() ? std::optional(policy.lead) : ParseDuration(f.horizon, &error);
  if (!horizon) return Fail(2, "--horizon: " + error);
  History history;
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (auto e = LoadHistory(f.history, policy, !f.config.empty(), now, "prescale forecast-eval",
                           &history))
    return Fail(e->code, e->message);
  // Every series separately, as serve forecasts them.
  if (history.series.empty()) history.series.push_back({{}, history.total});
  nlohmann::ordered_json all = nlohmann::ordered_json::array();
  std::string text;
  for (const policies::SeriesTrace& s : history.series) {
    std::string name = history.name;
    if (!s.labels.empty()) name += " " + nlohmann::ordered_json(s.labels).dump();
    auto evaluated = Evaluate(s.trace, name, policy, *horizon, f.train_fraction);
    if (auto* e = std::get_if<std::string>(&evaluated)) return Fail(2, *e);
    auto& one = std::get<Evaluation>(evaluated);
    if (!s.labels.empty()) one.json["labels"] = s.labels;
    all.push_back(std::move(one.json));
    text += one.text;
  }
  // One series: its object, as the contract shows; several: {"series": [...]}.
  const nlohmann::ordered_json doc =
      all.size() == 1 ? all[0] : nlohmann::ordered_json{{"source", history.name}, {"series", all}};
  if (!f.json.empty() && !WriteOutput(f.json, doc.dump(2) + "\n"))
    return Fail(1, f.json + ": cannot write");
  if (f.json != "-") std::cout << text;
  return 0;
}

}  // namespace

CommandRunner AddForecastEvalCommand(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "forecast-eval",
      "Measure forecast accuracy on a trace: fit on the first part, then forecast every later "
      "bucket h = ceil(horizon / step) buckets ahead while updating online");
  auto f = std::make_shared<EvalFlags>();
  f->history.AddFlags(*cmd);
  cmd->add_option("--horizon", f->horizon,
                  "How far ahead to forecast, e.g. 60s, 5m (default: the policy's lead)");
  cmd->add_option("--config", f->config, "Policy file whose model to evaluate");
  cmd->add_option("--policy", f->policy, "Policy name in --config (default: the first)");
  cmd->add_option("--train-fraction", f->train_fraction, "Fraction of the trace to fit on")
      ->default_val(0.7);
  cmd->add_option("--json", f->json,
                  "Write the JSON report to PATH, or - for stdout (fit_seconds is wall time; "
                  "fit_cpu_seconds the fitting thread's CPU time)");
  f->overrides.AddFlags(*cmd, /*with_hold=*/false);
  return [f] { return Run(*f); };
}

}  // namespace prescale::cli
