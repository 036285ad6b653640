// `prescale forecast-eval`: rolling-origin accuracy of a model on a trace file (CONTRACT.md).
// The first --train-fraction of the trace fits the model; then, for every later origin o, the
// model (updated online with every bucket before o) predicts bucket o + h - 1.
#include <CLI/CLI.hpp>

#include <time.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "adapter/commands.h"
#include "common/duration.h"
#include "forecasting/accuracy.h"
#include "forecasting/model.h"
#include "forecasting/trace.h"
#include "policies/policy_file.h"

namespace prescale::adapter {
namespace {

namespace fc = prescale::forecasting;

struct EvalFlags {
  std::string trace, horizon, config, policy, json, model;
  double train_fraction = 0.7;
  std::optional<double> quantile;
};

struct EvalResult {
  fc::AccuracyReport report;
  std::string model_name;
  double step = 0, horizon_seconds = 0, fit_seconds = 0, fit_cpu_seconds = 0, update_ns = 0;
  long train_points = 0, total_points = 0;
};

std::string Number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}
std::string Number(const std::optional<double>& v) { return v ? Number(*v) : "null"; }

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + "\"";
}

std::string ToJson(const EvalResult& r, const EvalFlags& f) {
  const fc::AccuracyReport& a = r.report;
  std::ostringstream o;
  o << "{\n  \"trace\": " << Quote(f.trace) << ",\n  \"model\": " << Quote(r.model_name)
    << ",\n  \"step_seconds\": " << Number(r.step) << ",\n  \"train_points\": " << r.train_points
    << ",\n  \"points\": " << a.points << ",\n  \"horizon_seconds\": " << Number(r.horizon_seconds)
    << ",\n  \"mae\": " << Number(a.mae) << ",\n  \"mase\": " << Number(a.mase)
    << ",\n  \"rel_naive\": " << Number(a.rel_naive)
    << ",\n  \"rel_seasonal_naive\": " << Number(a.rel_seasonal_naive)
    << ",\n  \"smape\": " << Number(a.smape) << ",\n  \"quantile\": " << Number(a.quantile)
    << ",\n  \"coverage\": " << Number(a.coverage) << ",\n  \"pinball\": " << Number(a.pinball)
    << ",\n  \"fit_seconds\": " << Number(r.fit_seconds)
    << ",\n  \"fit_cpu_seconds\": " << Number(r.fit_cpu_seconds)
    << ",\n  \"update_ns_per_point\": " << Number(r.update_ns) << "\n}\n";
  return o.str();
}

// The model spec: the policy's (from --config/--policy) or the default policy's, on the trace's
// step, with the evaluated horizon as the lead hint. Returns an error message or "".
std::string BuildSpec(const EvalFlags& f, double step, double horizon, fc::ModelSpec* spec,
                      double* quantile) {
  spec->model = "auto";
  spec->seasonality_seconds = {86400, 604800};
  spec->step_seconds = step;
  spec->lead_seconds = horizon;
  *quantile = 0.9;
  if (!f.config.empty()) {
    const policies::LoadResult loaded = policies::LoadConfigFile(f.config);
    if (!loaded.config) return loaded.errors.empty() ? f.config : loaded.errors[0].ToString();
    const policies::Policy* chosen = nullptr;
    for (const auto& p : loaded.config->policies) {
      if (f.policy.empty() || p.name == f.policy) {
        chosen = &p;
        break;
      }
    }
    if (!chosen) return "--policy: no policy named \"" + f.policy + "\" in " + f.config;
    spec->model = chosen->model;
    spec->seasonality_seconds.clear();
    for (Duration d : chosen->seasonality) spec->seasonality_seconds.push_back(d.count() / 1e3);
    for (const auto& e : chosen->events) spec->events.push_back({e.name, e.schedule, e.timezone});
    *quantile = chosen->quantile;
  } else if (!f.policy.empty()) {
    return "--policy needs --config";
  }
  if (!f.model.empty()) spec->model = f.model;
  if (f.quantile) *quantile = *f.quantile;
  return "";
}

// CPU time of this thread: unlike wall time, it does not count waiting for a busy machine.
double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

int Fail(int code, const std::string& message) {
  std::cerr << "prescale forecast-eval: " << message << "\n";
  return code;
}

EvalResult Evaluate(fc::Model& model, const fc::Trace& trace, long n_train, int h, double q) {
  using Clock = std::chrono::steady_clock;
  const std::vector<double>& y = trace.values;
  const long n = static_cast<long>(y.size());
  const long season = std::lround(86400.0 / trace.step_seconds);
  EvalResult r;
  const auto fit_start = Clock::now();
  const double cpu_start = ThreadCpuSeconds();
  model.Fit(trace.start_unix, std::span<const double>(y.data(), n_train));
  r.fit_cpu_seconds = ThreadCpuSeconds() - cpu_start;
  r.fit_seconds = std::chrono::duration<double>(Clock::now() - fit_start).count();
  r.model_name = model.name();
  fc::AccuracyAccumulator acc(q);
  Clock::duration update_time{};
  long updates = 0;
  for (long o = n_train; o + h - 1 < n; ++o) {
    const fc::ForecastPoint f = model.Forecast(h, q).back();
    const long target = o + h - 1;
    const std::optional<double> seasonal =
        target - season >= 0 ? std::optional<double>(y[target - season]) : std::nullopt;
    acc.Add(y[target], f.mean, f.quantile, y[o - 1], seasonal);
    const auto t0 = Clock::now();
    model.Update(y[o]);
    update_time += Clock::now() - t0;
    ++updates;
  }
  r.report = acc.Finish(fc::MeanAbsoluteChange(std::span<const double>(y.data(), n_train)));
  r.update_ns =
      updates ? std::chrono::duration<double, std::nano>(update_time).count() / updates : 0;
  return r;
}

int Run(const EvalFlags& f) {
  if (!(f.train_fraction > 0 && f.train_fraction < 1)) {
    return Fail(2, "--train-fraction must be in (0, 1)");
  }
  if (f.quantile && !(*f.quantile > 0 && *f.quantile < 1)) {
    return Fail(2, "--quantile must be in (0, 1)");
  }
  std::string error;
  const std::optional<Duration> horizon = ParseDuration(f.horizon, &error);
  if (!horizon) return Fail(2, "--horizon: " + error);
  std::ifstream in(f.trace, std::ios::binary);
  if (!in) return Fail(2, f.trace + ": cannot read the file");
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = fc::ParseTraceCsv(text.str());
  if (auto* e = std::get_if<fc::TraceError>(&parsed))
    return Fail(2, f.trace + ": " + e->ToString());
  const fc::Trace& trace = std::get<fc::Trace>(parsed);
  const double horizon_s = horizon->count() / 1e3;
  const int h = std::max(1, static_cast<int>(std::ceil(horizon_s / trace.step_seconds - 1e-9)));
  const long n = static_cast<long>(trace.values.size());
  const long n_train = std::max(1L, static_cast<long>(std::floor(f.train_fraction * n)));
  if (n_train + h - 1 >= n) {
    return Fail(2, f.trace + ": too short to evaluate " + std::to_string(h) +
                       " buckets ahead after the training part");
  }
  fc::ModelSpec spec;
  double q = 0.9;
  if (std::string e = BuildSpec(f, trace.step_seconds, h * trace.step_seconds, &spec, &q);
      !e.empty()) {
    return Fail(2, e);
  }
  auto made = fc::MakeModel(spec);
  if (auto* e = std::get_if<fc::ModelError>(&made)) return Fail(2, e->message);
  fc::Model& model = *std::get<std::unique_ptr<fc::Model>>(made);
  EvalResult r = Evaluate(model, trace, n_train, h, q);
  r.step = trace.step_seconds;
  r.horizon_seconds = h * trace.step_seconds;
  r.train_points = n_train;
  const std::string json = ToJson(r, f);
  if (f.json == "-") {
    std::cout << json;
  } else if (!f.json.empty()) {
    std::ofstream out(f.json);
    if (!(out << json)) return Fail(1, f.json + ": cannot write");
  }
  if (f.json != "-") {
    const auto& a = r.report;
    std::cout << f.trace << ": model " << r.model_name << ", " << a.points << " forecasts "
              << FormatDuration(std::chrono::milliseconds(std::llround(r.horizon_seconds * 1e3)))
              << " ahead: MASE " << Number(a.mase) << ", rel_naive " << Number(a.rel_naive)
              << ", rel_seasonal_naive " << Number(a.rel_seasonal_naive)
              << ", coverage(q=" << Number(a.quantile) << ") " << Number(a.coverage) << ", fit "
              << Number(r.fit_seconds) << " s, update " << Number(r.update_ns) << " ns/point\n";
  }
  return 0;
}

}  // namespace

CommandRunner AddForecastEvalCommand(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "forecast-eval",
      "Measure forecast accuracy on a trace: fit on the first part, then forecast every later "
      "bucket h = ceil(horizon / step) buckets ahead while updating online");
  auto f = std::make_shared<EvalFlags>();
  cmd->add_option("--trace", f->trace, "Trace CSV (timestamp,value)")->required();
  cmd->add_option("--horizon", f->horizon, "How far ahead to forecast, e.g. 60s, 5m")->required();
  cmd->add_option("--config", f->config, "Policy file whose model to evaluate");
  cmd->add_option("--policy", f->policy, "Policy name in --config (default: the first)");
  cmd->add_option("--train-fraction", f->train_fraction, "Fraction of the trace to fit on")
      ->default_val(0.7);
  cmd->add_option("--quantile", f->quantile, "Quantile to evaluate (default 0.9 or the policy's)");
  cmd->add_option("--json", f->json,
                  "Write the JSON report to PATH, or - for stdout (fit_seconds is wall time; "
                  "fit_cpu_seconds the fitting thread's CPU time)");
  cmd->add_option("--model", f->model,
                  "Override the model: auto, naive, seasonal_naive, ses, holt, holt_winters, "
                  "profile, ses+profile");
  return [f] { return Run(*f); };
}

}  // namespace prescale::adapter
