// What a backtest reports is what serve would have served: one trace fed to serve's runner
// (as Prometheus delivers it, one refresh per HPA sync) and to `prescale backtest` gives the same
// served forecast at every sync.
#include <gtest/gtest.h>

#include <cmath>

#include "adapter/policy_runner.h"
#include "policies/backtest/backtest.h"
#include "policies/example_policy.h"
#include "tests/forecasting/test_data.h"

namespace prescale::adapter {
namespace {

// Three days of 1-minute buckets: a daily cycle, a 09:30 New York open burst, noise.
forecasting::Trace SyntheticTrace() {
  forecasting::Trace t{1381104000, 60, {}};  // 2013-10-07 00:00 UTC, a Monday
  uint64_t state = 12345;
  for (int m = 0; m < 3 * 1440; ++m) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const double noise = static_cast<double>(state >> 40) / static_cast<double>(1ULL << 24);
    const int minute = m % 1440;
    const double daily = 200 + 150 * std::sin(2 * M_PI * (minute - 480) / 1440.0);
    const double open = minute >= 810 && minute < 815 ? 2000 : 0;  // 13:30 UTC
    t.values.push_back(std::round((daily + open) * (0.7 + 0.6 * noise)));
  }
  return t;
}

policies::Policy PolicyFor(const forecasting::Trace& trace, bool calendar) {
  policies::Policy p = policies::DefaultBacktestPolicy();
  p.step = std::chrono::milliseconds(static_cast<int64_t>(trace.step_seconds * 1000));
  p.history = std::chrono::hours(24);
  if (calendar) p.events = {{"open", "30 9 * * 1-5", "America/New_York"}};
  return p;
}

// Serve's runner, refreshed at every HPA sync of the backtest from a Prometheus that holds the
// trace: the sample at a bucket's end is the bucket's value.
std::vector<double> ServedBySyncs(const forecasting::Trace& trace, const policies::Policy& p,
                                  size_t syncs) {
  auto made = PolicyRunner::Create(p, RunnerOptions{});
  EXPECT_TRUE(std::holds_alternative<std::unique_ptr<PolicyRunner>>(made));
  PolicyRunner& runner = *std::get<std::unique_ptr<PolicyRunner>>(made);
  const double step = trace.step_seconds;
  const auto sync = static_cast<double>(
      std::chrono::duration_cast<std::chrono::seconds>(p.backtest.sync_period).count());
  std::vector<double> served;
  for (size_t j = 0; j < syncs; ++j) {
    const double now = trace.start_unix + static_cast<double>(j) * sync;
    for (const TimeRange& range : runner.PlanFetch(now)) {
      Series series;  // one series without labels, as `sum(...)` gives
      for (double t = range.start; t <= range.end; t += step) {
        const double i = std::round((t - trace.start_unix) / step) - 1;  // bucket ending at t
        if (i >= 0 && i < static_cast<double>(trace.values.size()))
          series.samples.push_back({t, trace.values[static_cast<size_t>(i)]});
      }
      std::vector<Series> chunk;
      if (!series.samples.empty()) chunk.push_back(std::move(series));
      runner.Ingest(range, chunk);
    }
    runner.FetchSucceeded(now);
    runner.Advance(now);
    std::vector<ServedMetric> out;
    runner.AppendServed(now, &out, nullptr);
    served.push_back(out[1].values.empty() ? 0 : out[1].values[0].value);
  }
  return served;
}

void ExpectTheSameServedValues(const forecasting::Trace& trace, const policies::Policy& p) {
  policies::BacktestOptions o;
  o.policy = p;
  auto outcome = policies::RunBacktest(trace, o);
  ASSERT_TRUE(std::holds_alternative<policies::BacktestResult>(outcome))
      << std::get<policies::BacktestError>(outcome).message;
  const auto& result = std::get<policies::BacktestResult>(outcome);
  const std::vector<double> served = ServedBySyncs(trace, p, result.series.size());
  ASSERT_EQ(served.size(), result.series.size());
  size_t nonzero = 0;
  for (size_t j = 0; j < served.size(); ++j) {
    ASSERT_EQ(served[j], result.series[j].forecast)
        << "sync " << j << " at t = " << result.series[j].t;
    nonzero += served[j] > 0;
  }
  EXPECT_GT(nonzero, served.size() / 2);
}

TEST(ServeBacktestAgreementTest, SyntheticOpenBurstsWithACalendar) {
  const forecasting::Trace trace = SyntheticTrace();
  ExpectTheSameServedValues(trace, PolicyFor(trace, /*calendar=*/true));
}

TEST(ServeBacktestAgreementTest, RealSpyTrades) {
  const auto trace = forecasting::testing::LoadTrace("spy_trade_count_1m.csv");
  if (!trace) GTEST_SKIP() << "the shared data folder is absent";
  ExpectTheSameServedValues(*trace, PolicyFor(*trace, /*calendar=*/true));
}

}  // namespace
}  // namespace prescale::adapter
