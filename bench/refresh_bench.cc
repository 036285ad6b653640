// Micro-benchmarks of the refresh path: parsing Prometheus answers (simdjson) and one steady
// refresh of a policy with 1,000 series (ingest the new samples, update the models, decide,
// build the served metrics and the snapshot).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "adapter/policy_runner.h"
#include "adapter/prometheus_response.h"
#include "adapter/snapshot.h"

namespace {

using namespace prescale;

// A query_range answer as Prometheus writes it: `series` series of `points` samples each.
std::string MatrixAnswer(int series, int points) {
  std::string out = R"({"status":"success","data":{"resultType":"matrix","result":[)";
  for (int s = 0; s < series; ++s) {
    if (s) out += ',';
    out += R"({"metric":{"instrument":"i)" + std::to_string(s) + R"(","book":"b3"},"values":[)";
    for (int p = 0; p < points; ++p) {
      if (p) out += ',';
      out += "[" + std::to_string(1764149400 + 15 * p) + ",\"" +
             std::to_string(1000.0 + std::sin(p * 0.1) * 250 + s) + "\"]";
    }
    out += "]}";
  }
  return out + "]}}";
}

void BM_ParseQueryRange(benchmark::State& state) {
  std::string body =
      MatrixAnswer(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  body.reserve(body.size() + 64);
  size_t samples = 0;
  for (auto _ : state) {
    auto parsed = adapter::ParseQueryResponse(body);
    samples = std::get<std::vector<adapter::Series>>(parsed).size() * state.range(1);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * samples));
}
BENCHMARK(BM_ParseQueryRange)->Args({1000, 4})->Args({1000, 2000})->Unit(benchmark::kMillisecond);

// The same answer through nlohmann-json, for comparison.
void BM_ParseQueryRangeNlohmann(benchmark::State& state) {
  const std::string body =
      MatrixAnswer(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  for (auto _ : state) {
    auto parsed = nlohmann::json::parse(body);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_ParseQueryRangeNlohmann)->Args({1000, 2000})->Unit(benchmark::kMillisecond);

std::vector<adapter::Series> Chunk(int series, double start, double end) {
  std::vector<adapter::Series> out;
  for (int s = 0; s < series; ++s) {
    adapter::Series x;
    x.labels = {{"instrument", "i" + std::to_string(s)}, {"book", "b3"}};
    for (double t = start; t <= end; t += 15)
      x.samples.push_back(
          {t, 1000 + 250 * std::sin(t / 900) + (static_cast<int64_t>(t) * 7 + s) % 97});
    out.push_back(std::move(x));
  }
  return out;
}

// A policy with a day of 15 s history and a daily season.
policies::Policy DayOf15sPolicy(const std::string& model) {
  policies::Policy p;
  p.name = "orders";
  p.query = "q";
  p.step = std::chrono::seconds(15);
  p.history = std::chrono::hours(24);
  p.model = model;
  p.seasonality = {std::chrono::hours(24)};
  p.observed_metric = "orders";
  p.forecast_metric = "orders_forecast";
  return p;
}

// One steady refresh (one new 15 s bucket) of a 1,000-series policy with a day of history.
void BM_SteadyRefresh1000Series(benchmark::State& state) {
  const policies::Policy p = DayOf15sPolicy(state.range(0) == 0 ? "ses" : "auto");
  adapter::RunnerOptions o;
  o.threads = 1;
  auto runner = std::move(
      std::get<std::unique_ptr<adapter::PolicyRunner>>(adapter::PolicyRunner::Create(p, o)));
  double now = 1764149400;
  for (const auto& r : runner->PlanFetch(now)) runner->Ingest(r, Chunk(1000, r.start, r.end));
  runner->FetchSucceeded(now);
  runner->Advance(now);
  for (auto _ : state) {
    now += 15;
    const auto plan = runner->PlanFetch(now);
    for (const auto& r : plan) runner->Ingest(r, Chunk(1000, r.start, r.end));
    runner->FetchSucceeded(now);
    runner->Advance(now);
    std::vector<adapter::ServedMetric> served;
    runner->AppendServed(now, &served, nullptr);
    adapter::Snapshot snapshot(std::chrono::system_clock::now(), std::move(served), true);
    benchmark::DoNotOptimize(snapshot);
  }
  state.counters["history_MB"] = static_cast<double>(runner->history_bytes()) / 1e6;
}
BENCHMARK(BM_SteadyRefresh1000Series)
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(20);

double RssMegabytes() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<double>(resident) * 4096 / 1e6;
}

// Start-up of a 1,000-series policy with a day of 15 s history: store, fit, replay, decide. The
// counters give the resident memory added by storing the history and by the models.
void BM_ColdStart1000Series(benchmark::State& state) {
  const policies::Policy p = DayOf15sPolicy(state.range(0) == 0 ? "ses" : "auto");
  adapter::RunnerOptions o;
  o.threads = 1;
  const double now = 1764149400;
  for (auto _ : state) {
    auto runner = std::move(
        std::get<std::unique_ptr<adapter::PolicyRunner>>(adapter::PolicyRunner::Create(p, o)));
    const double rss0 = RssMegabytes();
    const auto plan = runner->PlanFetch(now);
    for (const auto& r : plan) runner->Ingest(r, Chunk(1000, r.start, r.end));
    runner->FetchSucceeded(now);
    const double rss1 = RssMegabytes();
    runner->Advance(now);
    state.counters["stored_MB"] = rss1 - rss0;
    state.counters["models_MB"] = RssMegabytes() - rss1;
    benchmark::DoNotOptimize(runner);
  }
}
BENCHMARK(BM_ColdStart1000Series)->Arg(0)->Arg(1)->Unit(benchmark::kSecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
