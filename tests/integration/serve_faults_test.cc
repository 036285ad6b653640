// `prescale serve` against a fake Prometheus query API that answers garbage, slowly, with
// 4xx/5xx or with NaN/Inf samples: the faults a real Prometheus does not produce on demand.
#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "tests/integration/serve_fixture.h"
#include "tests/support/fake_prometheus.h"

namespace prescale::testing {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Mode = FakePrometheus::Mode;

constexpr const char* kList = "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/";

std::string Policy(const std::string& url, const std::string& max_staleness = "20s") {
  return "prometheus:\n  url: " + url +
         "\nrefresh: 1s\npolicies:\n"
         "  - name: flow\n    query: sum by (venue) (rate(orders_total[1m]))\n"
         "    step: 5s\n    history: 1h\n    lead: 30s\n    seasonality: []\n"
         "    max_staleness: " +
         max_staleness + "\n    scale_down_hold: 30s\n";
}

class ServeFaultsTest : public ServeFixture {
 protected:
  void SetUp() override {
    fake_prometheus_.SetSeries(
        {{{{"venue", "xnas"}}, [](double t) { return 500 + 100 * std::sin(t / 300); }}});
  }

  HttpsResult Get(const std::string& path) { return HttpsGet(Client(&alice_), path); }

  double Metric(const std::string& series) { return MetricSample(series); }

  double Forecast() {
    const HttpsResult r = Get(std::string(kList) + "flow_forecast");
    if (!r.ok() || r.response->status != 200) return -1;
    const std::string q = r.response->Json()["items"][0]["value"];
    return std::stod(q) / (q.back() == 'm' ? 1000 : 1) * (q.back() == 'k' ? 1000 : 1);
  }

  FakePrometheus fake_prometheus_;
};

TEST_F(ServeFaultsTest, EveryFaultHoldsTheServedValuesThenStaleThenRecovery) {
  // max_staleness leaves room for the buckets fetched before the first fault to settle.
  ServeAsAlice({"--prometheus-timeout", "1s"}, Policy(fake_prometheus_.url(), "40s"),
               /*demo=*/false);
  ASSERT_GT(Forecast(), 0);
  const FakeRequest before = fake_prometheus_.last_request();
  ASSERT_EQ(before.path, "/api/v1/query_range");
  EXPECT_EQ(before.method, "POST");
  EXPECT_EQ(before.params.at("query"), "sum by (venue) (rate(orders_total[1m]))");
  EXPECT_EQ(before.params.at("step"), "5.000");
  const double last_end = std::stod(before.params.at("end"));

  const std::pair<Mode, std::string> faults[] = {{Mode::kGarbage, "bad_response"},
                                                 {Mode::kHttp5xx, "http_5xx"},
                                                 {Mode::kSlow, "timeout"},
                                                 {Mode::kHttp4xx, "http_4xx"}};
  fake_prometheus_.SetSlowDelay(milliseconds(3000));
  double served = -1;  // once the buckets fetched before the first fault are consumed
  for (const auto& [mode, reason] : faults) {
    fake_prometheus_.SetMode(mode);
    const std::string counter =
        "prescale_prometheus_errors_total{policy=\"flow\",reason=\"" + reason + "\"}";
    // Retries back off up to 30 s.
    ASSERT_TRUE(WaitUntil([&] { return Metric(counter) > 0; }, seconds(40), milliseconds(250)))
        << reason << "\n"
        << process_->ReadStderr();
    if (served < 0) {
      // Buckets fetched before the fault are still fed as they settle (grace 10 s after their
      // end, which is at most one refresh before the fault was counted): new data, which may
      // lower the forecast. Only after that is the value held for lack of data.
      std::this_thread::sleep_for(seconds(12));
      served = Forecast();
      ASSERT_GT(served, 0);
    }
    const double now = Forecast();
    if (now >= 0) {
      EXPECT_GE(now, served) << reason;  // held, never lowered for lack of data
    }
    EXPECT_TRUE(process_->Running()) << reason;
  }
  // Past max_staleness: 503 with a Status; the process is still fine.
  ASSERT_TRUE(WaitUntil(
      [&] {
        const HttpsResult r = Get(std::string(kList) + "flow_forecast");
        return r.ok() && r.response->status == 503;
      },
      seconds(60), milliseconds(500)));
  const json status = Get(std::string(kList) + "flow").response->Json();
  EXPECT_EQ(status["kind"], "Status");
  EXPECT_EQ(status["code"], 503);
  EXPECT_NE(status["message"].get<std::string>().find("max_staleness"), std::string::npos);
  EXPECT_EQ(Metric("prescale_metric_stale{policy=\"flow\"}"), 1);
  EXPECT_EQ(Get("/healthz").response->status, 200);

  // NaN and Inf samples: answered, and never served as such.
  fake_prometheus_.SetMode(Mode::kNaN);
  ASSERT_TRUE(WaitUntil([&] { return Forecast() > 0; }, seconds(70), milliseconds(500)))
      << process_->ReadStderr();
  for (int i = 0; i < 5; ++i) {
    const std::string body = Get(std::string(kList) + "flow").response->body;
    EXPECT_EQ(body.find("NaN"), std::string::npos) << body;
    EXPECT_EQ(body.find("Inf"), std::string::npos) << body;
    std::this_thread::sleep_for(milliseconds(500));
  }
  // The gap was fetched: one query reached back to where the last good one ended.
  bool gap_fetched = false;
  for (const FakeRequest& r : fake_prometheus_.request_log()) {
    if (r.path != "/api/v1/query_range" || !r.params.count("start")) continue;
    if (std::stod(r.params.at("start")) <= last_end &&
        std::stod(r.params.at("end")) > last_end + 20)
      gap_fetched = true;
  }
  EXPECT_TRUE(gap_fetched);
  EXPECT_EQ(Metric("prescale_metric_stale{policy=\"flow\"}"), 0);
}

TEST_F(ServeFaultsTest, HugeOrFutureStampedAnswersAreRefusedAndChangeNothingServed) {
  ServeAsAlice({"--prometheus-max-answer-bytes", "64Ki"}, Policy(fake_prometheus_.url()),
               /*demo=*/false);
  ASSERT_GT(Forecast(), 0);
  const double before = Metric(
      "prescale_served_value{metric=\"flow\",policy=\"flow\","
      "series=\"venue=xnas\"}");
  ASSERT_GT(before, 0);

  // A cardinality explosion: 5000 series in one answer, about 400 KB.
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  json huge = json::array();
  for (int i = 0; i < 5000; ++i)
    huge.push_back({{"metric", {{"venue", "v" + std::to_string(i)}}},
                    {"values", {{static_cast<int64_t>(now), "1"}}}});
  fake_prometheus_.SetMatrix(huge);
  ASSERT_TRUE(WaitUntil(
      [&] {
        return Metric("prescale_prometheus_errors_total{policy=\"flow\",reason=\"too_large\"}") > 0;
      },
      seconds(40), milliseconds(250)))
      << process_->ReadStderr();
  EXPECT_GT(Metric("prescale_limit_rejections_total{kind=\"prometheus_answer_bytes\"}"), 0);
  EXPECT_GT(Forecast(), 0);  // still served, from the data before

  // Samples stamped a day ahead: refused, counted; the data age does not go to 0 for them.
  fake_prometheus_.SetMatrix(
      json::array({{{"metric", {{"venue", "xnas"}}},
                    {"values", {{static_cast<int64_t>(now) + 86400, "1e9"}}}}}));
  ASSERT_TRUE(WaitUntil(
      [&] { return Metric("prescale_limit_rejections_total{kind=\"future_samples\"}") > 0; },
      seconds(40), milliseconds(250)))
      << process_->ReadStderr();
  const std::string body = Get(std::string(kList) + "flow").response->body;
  EXPECT_EQ(body.find("1e+09"), std::string::npos) << body;
  EXPECT_EQ(body.find("1G"), std::string::npos) << body;

  fake_prometheus_.SetMatrix(std::nullopt);
  EXPECT_TRUE(process_->Running());
  EXPECT_EQ(Metric("prescale_refresh_exceptions_total"), 0);
  EXPECT_NE(process_->ReadStderr().find("\"reason\":\"too_large\""), std::string::npos);
}

TEST_F(ServeFaultsTest, ReadyOnlyOnceTheHistoryIsLoaded) {
  fake_prometheus_.SetMode(Mode::kHttp5xx);
  ServeAsAlice({}, Policy(fake_prometheus_.url()), /*demo=*/false, /*wait_ready=*/false);
  ASSERT_TRUE(WaitUntil([&] { return Get("/healthz").ok(); }, seconds(20)));
  std::this_thread::sleep_for(seconds(2));
  EXPECT_EQ(Get("/readyz").response->status, 503);
  const HttpsResult metric = Get(std::string(kList) + "flow_forecast");
  ASSERT_TRUE(metric.ok());
  EXPECT_EQ(metric.response->status, 503);
  EXPECT_NE(metric.response->Json()["message"].get<std::string>().find(
                "no data fetched from Prometheus yet for policy flow: http_5xx"),
            std::string::npos)
      << metric.response->body;
  fake_prometheus_.SetMode(Mode::kPassThrough);
  EXPECT_TRUE(WaitUntil([&] { return Get("/readyz").response->status == 200; }, seconds(20)));
  EXPECT_GT(Forecast(), 0);
}

TEST_F(ServeFaultsTest, UnreachablePrometheusAtStartUpIsNotACrash) {
  const int closed_port = FreeTcpPort();
  ServeAsAlice({}, Policy("http://127.0.0.1:" + std::to_string(closed_port)), /*demo=*/false,
               /*wait_ready=*/false);
  ASSERT_TRUE(WaitUntil([&] { return Get("/healthz").ok(); }, seconds(20)));
  std::this_thread::sleep_for(seconds(3));
  EXPECT_TRUE(process_->Running());
  EXPECT_EQ(Get("/readyz").response->status, 503);
  EXPECT_GT(Metric("prescale_prometheus_errors_total{policy=\"flow\",reason=\"connect\"}"), 0);
  EXPECT_NE(process_->ReadStderr().find("\"level\":\"warn\",\"msg\":\"Prometheus query failed\""),
            std::string::npos);
}

}  // namespace
}  // namespace prescale::testing
