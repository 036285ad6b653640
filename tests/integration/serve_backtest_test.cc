// The real `prescale serve` on a real Prometheus backfilled with a trace that ends now publishes
// the forecast that `prescale backtest` on the same trace serves at the same data time: what a
// planner backtests is what serve does.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

#include "apiserver/quantity.h"
#include "common/rfc3339.h"
#include "tests/integration/serve_fixture.h"
#include "tests/support/prometheus_server.h"

namespace prescale::testing {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr double kStep = 60;
constexpr int kBuckets = 8 * 60;  // eight hours: the policy's history (6h), a refit and more

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double Demand(int i) {
  const double t = i * kStep;
  return std::round(1500 + 700 * std::sin(t / 5400.0) + 400 * ((i * 7919) % 13 == 0) +
                    static_cast<double>((i * 104729) % 97));
}

// The sample Prometheus holds at a bucket's end is the bucket's value. Only samples evaluated at
// their own time pass the query (no lookback past the trace's end).
std::string Policy(const std::string& url) {
  return "prometheus:\n  url: " + url +
         "\n  timeout: 5s\nrefresh: 1s\npolicies:\n"
         "  - name: demand\n"
         "    query: sum(prescale_test_demand and (time() - timestamp(prescale_test_demand)) < 1)\n"
         "    step: 60s\n    history: 6h\n    lead: 60s\n    quantile: 0.9\n    model: auto\n"
         "    seasonality: []\n    max_staleness: 10m\n    scale_down_hold: 5m\n"
         "    grace: 10s\n    refit_every: 1h\n";
}

class ServeBacktestTest : public ServeFixture {};

TEST_F(ServeBacktestTest, ServePublishesWhatTheBacktestServesAtTheSameDataTime) {
  if (FindKubectl().empty()) GTEST_SKIP() << "no kubectl";
  const double last_sample = std::floor(Now() / kStep) * kStep;  // the end of the last bucket
  const double start = last_sample - kBuckets * kStep;
  PromSeries series;
  series.labels = {{"job", "trace"}};
  for (int i = 0; i < kBuckets; ++i) series.points.push_back({start + (i + 1) * kStep, Demand(i)});
  PrometheusServerOptions o;
  o.backfill_openmetrics = OpenMetricsText("prescale_test_demand", "gauge", {series});
  PrometheusServer prometheus(o);

  // The backtest's trace: the same buckets (and one more, which settles after the compared sync).
  TempDir work("prescale-serve-backtest");
  const std::string trace = (work.path() / "trace.csv").string(),
                    policy = (work.path() / "policy.yaml").string(),
                    rows = (work.path() / "rows.csv").string();
  {
    std::ofstream csv(trace);
    csv << "timestamp,value\n";
    for (int i = 0; i <= kBuckets; ++i)
      csv << static_cast<int64_t>(start + i * kStep) << "," << (i < kBuckets ? Demand(i) : 0)
          << "\n";
    std::ofstream(policy) << Policy(prometheus.url());
  }
  Process backtest = Process::Start(
      {{BinaryPath(), "backtest", "--trace", trace, "--config", policy, "--series-out", rows}});
  ASSERT_EQ(backtest.Wait(seconds(60)).value_or(-1), 0) << backtest.ReadStderr();
  // The sync 15 s after the last bucket's end: its decision (settled at +10 s) is served.
  double expected = -1;
  std::ifstream in(rows);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string t, demand, observed, forecast;
    std::getline(fields, t, ',');
    std::getline(fields, demand, ',');
    std::getline(fields, observed, ',');
    std::getline(fields, forecast, ',');
    if (t == std::to_string(static_cast<int64_t>(last_sample + 15))) expected = std::stod(forecast);
  }
  ASSERT_GT(expected, 0);

  ServeAsAlice({}, Policy(prometheus.url()), /*demo=*/false);
  // Once the last bucket has settled, and before data missing for two steps changes anything.
  while (Now() < last_sample + 12) std::this_thread::sleep_for(milliseconds(200));
  ASSERT_LT(Now(), last_sample + 120) << "the replica started too late to compare";
  const std::string path =
      "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/demand_forecast";
  json got;
  ASSERT_TRUE(WaitUntil(
      [&] {
        got = json::parse(KubectlGetRaw(Kubectl(&alice_), path).stdout_text, nullptr, false);
        return got.contains("items") && got["items"].size() == 1 &&
               got["items"][0]["timestamp"] == FormatRfc3339(last_sample);
      },
      seconds(20), milliseconds(300)))
      << got.dump();
  EXPECT_LT(Now(), last_sample + 130);
  EXPECT_EQ(got["items"][0]["value"], *apiserver::FormatQuantity(expected))
      << "backtest " << expected;
}

}  // namespace
}  // namespace prescale::testing
