// Google Benchmark of the forecasting engine: the cost of one online update (goal: <= 2 us per
// point), of a forecast over the lead, and of a fit. Uses the real traces in ../shared/data
// when present ($PRESCALE_DATA_DIR overrides), otherwise a synthetic week of one-minute demand.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "forecasting/model.h"
#include "forecasting/trace.h"

namespace prescale::forecasting {
namespace {

Trace LoadOrSynthesize(const std::string& name) {
  const char* dir = std::getenv("PRESCALE_DATA_DIR");
  const std::filesystem::path path =
      std::filesystem::path(dir ? dir : "../shared/data") / (name + ".csv");
  std::ifstream in(path);
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = ParseTraceCsv(text.str());
    if (auto* t = std::get_if<Trace>(&parsed)) return *t;
  }
  Trace t{1700000000, 60, {}};
  for (int i = 0; i < 7 * 1440; ++i) {
    t.values.push_back(200 + 100 * std::sin(i * 2 * M_PI / 1440) + (i * 7919 % 37));
  }
  return t;
}

const char* const kTraces[] = {"spy_trade_count_1m", "nasa_http_requests_jul1995_1m",
                               "nab_twitter_volume_amzn_5m", "nab_nyc_taxi_passengers_30m",
                               "azure_llm_conv_requests_1s"};

std::unique_ptr<Model> Make(const std::string& model, double step, bool events) {
  ModelSpec spec;
  spec.model = model;
  spec.step_seconds = step;
  spec.lead_seconds = 60;
  if (events) spec.events = {{"open", "30 9 * * 1-5", "America/New_York"}};
  return std::move(std::get<std::unique_ptr<Model>>(MakeModel(spec)));
}

// Update cost after fitting on 70 % of the trace, cycling over the remaining 30 %.
void BM_Update(benchmark::State& state, const std::string& trace_name, const std::string& model,
               bool events) {
  const Trace trace = LoadOrSynthesize(trace_name);
  const size_t train = trace.values.size() * 7 / 10;
  auto m = Make(model, trace.step_seconds, events);
  m->Fit(trace.start_unix, std::span<const double>(trace.values.data(), train));
  size_t i = train;
  for (auto _ : state) {
    m->Update(trace.values[i]);
    if (++i == trace.values.size()) i = train;  // wraps in time; cost is what is measured
  }
  state.SetLabel(m->name());
}

void BM_Forecast(benchmark::State& state, const std::string& trace_name) {
  const Trace trace = LoadOrSynthesize(trace_name);
  auto m = Make("auto", trace.step_seconds, false);
  m->Fit(trace.start_unix, trace.values);
  const int h = std::max(1, static_cast<int>(std::ceil(60 / trace.step_seconds)));
  for (auto _ : state) benchmark::DoNotOptimize(m->Forecast(h, 0.9));
  state.SetLabel(m->name() + ", h=" + std::to_string(h));
}

void BM_Fit(benchmark::State& state, const std::string& trace_name) {
  const Trace trace = LoadOrSynthesize(trace_name);
  const size_t train = trace.values.size() * 7 / 10;
  auto m = Make("auto", trace.step_seconds, false);
  for (auto _ : state)
    m->Fit(trace.start_unix, std::span<const double>(trace.values.data(), train));
  state.SetLabel(m->name() + ", " + std::to_string(train) + " buckets");
}

void RegisterAll() {
  for (const char* t : kTraces) {
    for (const char* model : {"auto", "ses", "profile", "holt_winters"}) {
      if (std::string(model) == "holt_winters" && std::string(t) == "azure_llm_conv_requests_1s") {
        continue;  // a 86,400-bucket season on 58 minutes of data is not meaningful
      }
      benchmark::RegisterBenchmark(("BM_Update/" + std::string(t) + "/" + model).c_str(), BM_Update,
                                   t, model, false);
    }
    benchmark::RegisterBenchmark(("BM_Forecast60s/" + std::string(t)).c_str(), BM_Forecast, t);
    benchmark::RegisterBenchmark(("BM_Fit/" + std::string(t)).c_str(), BM_Fit, t)
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::RegisterBenchmark("BM_Update/spy_trade_count_1m/auto+open_event", BM_Update,
                               "spy_trade_count_1m", "auto", true);
}

}  // namespace
}  // namespace prescale::forecasting

int main(int argc, char** argv) {
  prescale::forecasting::RegisterAll();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
