// backtest and tune reading a policy's history straight from a real Prometheus backfilled with
// two venues: the same figures as backtest --trace on the exported series, and one clear line
// with the contract's exit code for bad periods, unknown policies, empty answers and Prometheus
// errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <tuple>

#include "common/rfc3339.h"
#include "tests/integration/serve_fixture.h"
#include "tests/support/fake_prometheus.h"
#include "tests/support/prometheus_server.h"

namespace prescale::testing {
namespace {

using json = nlohmann::json;
using std::chrono::seconds;

constexpr double kStep = 60;
constexpr int kBuckets = 2 * 1440;  // two days per venue

double Demand(int venue, int i) {
  const double t = i * kStep;
  return std::round((venue == 0 ? 900 : 400) + 500 * std::sin(t / 9000.0 + venue) +
                    (((i + 31 * venue) * 7919) % 211 == 0 ? 2500 : 0) +
                    static_cast<double>((i * 104729 + venue) % 89));
}

struct Result {
  int code = -1;
  std::string out, err;
};

Result RunPrescale(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {BinaryPath()};
  argv.insert(argv.end(), args.begin(), args.end());
  Process p = Process::Start({argv});
  const int code = p.Wait(seconds(240)).value_or(-1);
  return {code, p.ReadStdout(), p.ReadStderr()};
}

class OfflinePrometheusTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    end_ = std::floor(now / 3600) * 3600 - 3600;  // an hour boundary, an hour or more ago
    start_ = end_ - kBuckets * kStep;
    std::vector<PromSeries> venues(2);
    for (int v = 0; v < 2; ++v) {
      venues[v].labels = {{"venue", v == 0 ? "xnas" : "arca"}};
      for (int i = 0; i < kBuckets; ++i)
        venues[v].points.push_back({start_ + (i + 1) * kStep, Demand(v, i)});
    }
    PrometheusServerOptions o;
    o.backfill_openmetrics = OpenMetricsText("prescale_test_orders", "gauge", venues);
    prometheus_ = std::make_unique<PrometheusServer>(o);
  }
  static void TearDownTestSuite() { prometheus_.reset(); }

  void SetUp() override {
    policy_ = (work_.path() / "policy.yaml").string();
    std::ofstream(policy_) << "policies:\n"
                              "  - name: orders\n"
                              "    query: sum by (venue) (prescale_test_orders)\n"
                              "    step: 60s\n    history: 1d\n    lead: 60s\n    model: ses\n"
                              "    learn_events: false\n"
                              "  - name: nothing\n"
                              "    query: sum by (venue) (prescale_test_absent)\n"
                              "    step: 60s\n    history: 1d\n"
                              "  - name: broken\n"
                              "    query: sum by (venue) (rate(prescale_test_orders[1m])\n"
                              "    step: 60s\n    history: 1d\n";
  }

  std::vector<std::string> FromPrometheus(const std::string& policy, const std::string& from = "",
                                          const std::string& to = "") const {
    std::vector<std::string> args = {"--prometheus-url", prometheus_->url(), "--config", policy_};
    for (const std::string& a : {std::string("--policy"), policy, std::string("--from"),
                                 from.empty() ? FormatRfc3339(start_) : from, std::string("--to"),
                                 to.empty() ? FormatRfc3339(end_) : to})
      args.push_back(a);
    return args;
  }

  static inline double start_ = 0, end_ = 0;
  static inline std::unique_ptr<PrometheusServer> prometheus_;
  TempDir work_{"prescale-offline-prom"};
  std::string policy_;
};

TEST_F(OfflinePrometheusTest, BacktestFromPrometheusEqualsBacktestOfTheExportedTraces) {
  const std::string exported = (work_.path() / "traces").string();
  std::vector<std::string> args = {"backtest", "--json", "-", "--trace-out", exported};
  for (const std::string& a : FromPrometheus("orders")) args.push_back(a);
  const Result live = RunPrescale(args);
  ASSERT_EQ(live.code, 0) << live.err;
  const Result offline =
      RunPrescale({"backtest", "--json", "-", "--config", policy_, "--trace", exported});
  ASSERT_EQ(offline.code, 0) << offline.err;
  json a = json::parse(live.out), b = json::parse(offline.out);
  ASSERT_EQ(a["series"].size(), 2u);
  EXPECT_EQ(a["series"][0]["labels"]["venue"], "arca");
  EXPECT_EQ(a["start"], start_);
  EXPECT_EQ(a["seconds"], kBuckets * kStep);
  a.erase("trace");
  b.erase("trace");
  EXPECT_EQ(a, b);
  // The HPA sees the sum of both venues: reactive reads it, so prescale's forecasts are summed.
  EXPECT_GT(a["strategies"]["prescale"]["pod_seconds"].get<double>(),
            a["strategies"]["reactive"]["pod_seconds"].get<double>());
}

TEST_F(OfflinePrometheusTest, TuneReadsPrometheusToo) {
  std::vector<std::string> args = {"tune",      "--quiet", "--json",  "-",         "--quantiles",
                                   "0.8,0.95",  "--holds", "2m",      "--targets", "0.8,1",
                                   "--warm-up", "6h",      "--leads", "60s"};
  for (const std::string& a : FromPrometheus("orders")) args.push_back(a);
  const Result r = RunPrescale(args);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["candidates"].size(), 4u);
}

TEST_F(OfflinePrometheusTest, ForecastEvalEvaluatesEachSeries) {
  std::vector<std::string> args = {"forecast-eval", "--json", "-"};
  for (const std::string& a : FromPrometheus("orders")) args.push_back(a);
  const Result r = RunPrescale(args);
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);
  ASSERT_EQ(j["series"].size(), 2u);
  for (const json& s : j["series"]) {
    EXPECT_EQ(s["model"], "ses");
    EXPECT_EQ(s["horizon_seconds"], 60);
    EXPECT_GT(s["points"].get<int>(), 800);
    EXPECT_TRUE(s["labels"].contains("venue"));
  }
}

TEST_F(OfflinePrometheusTest, BadInputIsOneLineAndExitTwo) {
  for (const auto& [policy, from, to, expect] :
       {std::tuple{"orders", std::string("yesterday"), std::string(), "--from"},
        std::tuple{"orders", std::string(), FormatRfc3339(start_ - 3600), "bad period"},
        std::tuple{"nope", std::string(), std::string(), "no policy named \"nope\""},
        std::tuple{"broken", std::string(), std::string(), "rejected the query"}}) {
    std::vector<std::string> args = {"backtest"};
    for (const std::string& a : FromPrometheus(policy, from, to)) args.push_back(a);
    const Result r = RunPrescale(args);
    EXPECT_EQ(r.code, 2) << expect << ": " << r.err;
    EXPECT_NE(r.err.find(expect), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  const Result both = RunPrescale({"backtest", "--trace", policy_, "--prometheus-url",
                                   prometheus_->url(), "--config", policy_});
  EXPECT_EQ(both.code, 2) << both.err;
}

TEST_F(OfflinePrometheusTest, NothingFoundAndPrometheusDownExitOne) {
  std::vector<std::string> args = {"backtest"};
  for (const std::string& a : FromPrometheus("nothing")) args.push_back(a);
  Result r = RunPrescale(args);
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("returned no series"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  args = {"backtest",
          "--prometheus-url",
          "http://127.0.0.1:1",
          "--config",
          policy_,
          "--from",
          "-1d",
          "--prometheus-timeout",
          "5s"};
  r = RunPrescale(args);
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("Prometheus failed (connect)"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

// serve's Prometheus client flags reach the offline commands: a header the query API requires,
// and basic auth.
TEST_F(OfflinePrometheusTest, ClientFlagsAsServeTakesThem) {
  FakePrometheus fake;
  fake.RequireHeader("X-Scope-OrgID", "tenant-1");
  const std::string auth = (work_.path() / "basic").string();
  std::ofstream(auth) << "planner:s3cret\n";
  std::vector<std::string> args = {"backtest",
                                   "--prometheus-url",
                                   fake.url(),
                                   "--config",
                                   policy_,
                                   "--from",
                                   FormatRfc3339(end_ - 6 * 3600),
                                   "--to",
                                   FormatRfc3339(end_),
                                   "--prometheus-basic-auth-file",
                                   auth};
  Result r = RunPrescale(args);
  EXPECT_EQ(r.code, 2) << r.err;  // 401 without the header: the query is refused
  EXPECT_NE(r.err.find("rejected the query"), std::string::npos) << r.err;
  args.insert(args.end(), {"--prometheus-header", "X-Scope-OrgID=tenant-1"});
  r = RunPrescale(args);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(fake.last_request().Header("X-Scope-OrgID"), "tenant-1");
  EXPECT_EQ(fake.last_request().Header("Authorization").rfind("Basic ", 0), 0u);
  args.insert(args.end(), {"--prometheus-header", "Host=evil"});
  r = RunPrescale(args);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("Host"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace prescale::testing
