// `prescale serve` reading a real Prometheus (Debian's package, 127.0.0.1, temp data dir),
// backfilled with promtool and scraping a live exporter run by the test: what kubectl shows
// equals what PromQL returns; Prometheus stopped and started again; two replicas agree.
#include <gtest/gtest.h>

#include <cmath>
#include <ctime>
#include <fstream>
#include <thread>

#include "apiserver/quantity.h"
#include "tests/integration/serve_fixture.h"
#include "tests/support/metrics_exporter.h"
#include "tests/support/prometheus_server.h"

namespace prescale::testing {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kList = "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/";
constexpr const char* kQuery = "sum by (venue) (prescale_test_demand)";

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double BackfillDemand(double t, int venue) {
  return 1000 * (venue + 1) + 300 * std::sin(t / 600.0) + std::fmod(t * 7, 50);
}

double ParseTimestamp(const std::string& text) {
  std::tm tm{};
  strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return static_cast<double>(timegm(&tm));
}

std::string PolicyFor(const std::string& url, const std::string& extra = "") {
  return "prometheus:\n  url: " + url +
         "\n  timeout: 2s\nrefresh: 1s\npolicies:\n"
         "  - name: demand\n"
         "    query: " +
         std::string(kQuery) +
         "\n    step: 5s\n    history: 2h\n    lead: 30s\n    quantile: 0.9\n"
         "    model: auto\n    seasonality: []\n    max_staleness: 30s\n"
         "    scale_down_hold: 30s\n" +
         extra;
}

class ServePrometheusTest : public ServeFixture {
 protected:
  void SetUp() override {
    if (FindKubectl().empty()) GTEST_SKIP() << "no kubectl";
    exporter_ = std::make_unique<MetricsExporter>();
    for (int v = 0; v < 2; ++v) exporter_->Set("prescale_test_demand", Venue(v), 1500 + 500 * v);
    // 3.5 hours of history at 5 s, ending three minutes ago; the live scrapes take over.
    const double end = std::floor(Now() / 5) * 5 - 180;
    std::vector<PromSeries> series(2);
    for (int v = 0; v < 2; ++v) {
      // The labels of the live series (scrape job "test"): history and live are one series.
      series[v].labels = Venue(v);
      series[v].labels["job"] = "test";
      series[v].labels["instance"] = exporter_->target();
      for (double t = end - 3.5 * 3600; t <= end; t += 5)
        series[v].points.push_back({t, BackfillDemand(t, v)});
    }
    PrometheusServerOptions o;
    o.backfill_openmetrics = OpenMetricsText("prescale_test_demand", "gauge", series);
    o.scrape_targets = {exporter_->target()};
    o.scrape_interval = milliseconds(1000);
    prometheus_ = std::make_unique<PrometheusServer>(o);
    ASSERT_TRUE(prometheus_->WaitForSample(
        kQuery, [](const PromSample& s) { return s.value >= 1500; }, seconds(20)));
  }

  // A Quantity such as "1331520m" or "2k" as a number.
  static double Value(const json& item) {
    const std::string q = item["value"];
    const double x = std::stod(q);
    if (q.back() == 'm') return x / 1000;
    if (q.back() == 'k') return x * 1000;
    return x;
  }

  static Labels Venue(int v) { return {{"venue", v == 0 ? "xnas" : "xnys"}}; }

  json Get(const std::string& path, KubectlResult* raw = nullptr) {
    const KubectlResult r = KubectlGetRaw(Kubectl(&alice_), path);
    if (raw) *raw = r;
    return json::parse(r.stdout_text, nullptr, false);
  }

  int Status(const std::string& path) {
    const HttpsResult r = HttpsGet(Client(&alice_), path);
    return r.ok() ? r.response->status : 0;
  }

  double MetricValue(const std::string& series) { return MetricSample(series); }

  TempDir work_{"prescale-it"};
  std::unique_ptr<MetricsExporter> exporter_;
  std::unique_ptr<PrometheusServer> prometheus_;
};

TEST_F(ServePrometheusTest, ServedObservedValuesEqualWhatPromQLReturns) {
  ServeAsAlice({"--audit-log", (work_.path() / "audit.log").string()},
               PolicyFor(prometheus_->url()),
               /*demo=*/false);
  const json list = Get(std::string(kList) + "demand");
  ASSERT_EQ(list["kind"], "ExternalMetricValueList") << list.dump();
  ASSERT_EQ(list["items"].size(), 2u);
  for (const json& item : list["items"]) {
    const double t = ParseTimestamp(item["timestamp"]);
    EXPECT_EQ(std::fmod(t, 5), 0) << "on the step grid";
    EXPECT_EQ(item["window"], 5);
    const auto samples = prometheus_->QueryInstant(kQuery, t);
    bool found = false;
    for (const PromSample& s : samples) {
      if (s.labels.at("venue") != item["metricLabels"]["venue"]) continue;
      found = true;
      EXPECT_EQ(item["value"], *apiserver::FormatQuantity(s.value)) << item.dump();
    }
    EXPECT_TRUE(found) << item.dump();
  }
  // The live value (not a backfilled one) is served once it has settled (the policy's grace,
  // 10 s, after the scrapes start), and the forecast is not below it.
  const std::string xnys = std::string(kList) + "demand?labelSelector=venue%3Dxnys";
  EXPECT_TRUE(WaitUntil([&] { return Get(xnys)["items"][0]["value"] == "2k"; }, seconds(40),
                        milliseconds(500)))
      << Get(xnys).dump();
  const json forecast = Get(std::string(kList) + "demand_forecast?labelSelector=venue%3Dxnys");
  ASSERT_EQ(forecast["items"].size(), 1u);
  EXPECT_GE(Value(forecast["items"][0]), 2000);
  // The history was loaded: 3 hours+ of 5 s samples per series.
  EXPECT_GT(MetricValue("prescale_prometheus_samples_fetched_total{policy=\"demand\"}"), 2 * 2000);
  EXPECT_GE(MetricValue("prescale_ready"), 1);
  // One audit line per change of a served forecast.
  std::ifstream audit(work_.path() / "audit.log");
  std::string line;
  ASSERT_TRUE(std::getline(audit, line));
  const json record = json::parse(line);
  EXPECT_EQ(record["metric"], "demand_forecast");
  EXPECT_TRUE(record["labels"].contains("venue"));
  EXPECT_GT(record["served"].get<double>(), 0);
  EXPECT_NE(record["model"].get<std::string>().find("auto("), std::string::npos);
  EXPECT_TRUE(record.contains("model_fit"));
  EXPECT_TRUE(record.contains("data_age_seconds"));
}

TEST_F(ServePrometheusTest, PrometheusStoppedAndStartedAgain) {
  ServeAsAlice({}, PolicyFor(prometheus_->url()), /*demo=*/false);
  const std::string path = std::string(kList) + "demand_forecast?labelSelector=venue%3Dxnas";
  const double age_before = MetricValue("prescale_data_age_seconds{policy=\"demand\"}");

  prometheus_->Stop();
  // Once the buckets fetched before the stop have settled and been consumed (grace 10 s and a
  // step later), nothing new arrives: the served forecast must not fall for lack of data.
  std::this_thread::sleep_for(seconds(17));
  const json before = Get(path);
  ASSERT_EQ(before["items"].size(), 1u) << before.dump();
  const double held = Value(before["items"][0]);
  for (int i = 0; i < 5; ++i) {
    std::this_thread::sleep_for(seconds(1));
    const json during = Get(path);
    ASSERT_EQ(during["items"].size(), 1u) << during.dump();
    EXPECT_GE(Value(during["items"][0]), held);
  }
  EXPECT_GT(MetricValue("prescale_data_age_seconds{policy=\"demand\"}"), age_before + 4);
  EXPECT_GT(MetricValue("prescale_prometheus_errors_total{policy=\"demand\",reason=\"connect\"}"),
            0);
  EXPECT_EQ(MetricValue("prescale_metric_stale{policy=\"demand\"}"), 0);

  // Past max_staleness (30 s): 503 with a Status that says why.
  ASSERT_TRUE(WaitUntil([&] { return Status(path) == 503; }, seconds(30), milliseconds(500)));
  KubectlResult raw;
  Get(path, &raw);
  EXPECT_NE(raw.stderr_text.find("more than its max_staleness"), std::string::npos)
      << raw.stderr_text;
  EXPECT_EQ(MetricValue("prescale_metric_stale{policy=\"demand\"}"), 1);
  EXPECT_TRUE(process_->Running());

  // Back: values again, fresh data.
  exporter_->Set("prescale_test_demand", Venue(0), 1700);
  prometheus_->Start();
  const std::string xnas = std::string(kList) + "demand?labelSelector=venue%3Dxnas";
  ASSERT_TRUE(WaitUntil(
      [&] {
        const json now = Get(xnas);
        return now.contains("items") && now["items"].size() == 1 &&
               now["items"][0]["value"] == "1700";
      },
      seconds(90), milliseconds(1000)))
      << Get(xnas).dump() << "\n"
      << process_->ReadStderr();
  EXPECT_EQ(Get(path)["items"].size(), 1u);
  EXPECT_EQ(MetricValue("prescale_metric_stale{policy=\"demand\"}"), 0);
  EXPECT_LT(MetricValue("prescale_data_age_seconds{policy=\"demand\"}"), 10);
  EXPECT_NE(process_->ReadStderr().find("Prometheus answers again"), std::string::npos);
}

TEST_F(ServePrometheusTest, TwoReplicasServeIdenticalValues) {
  ServeAsAlice({}, PolicyFor(prometheus_->url()), /*demo=*/false);
  std::this_thread::sleep_for(seconds(3));  // the second replica starts later
  const HttpsClientOptions first = Client(&alice_);
  const std::unique_ptr<Process> first_process = std::move(process_);
  ServeAsAlice({}, PolicyFor(prometheus_->url()), /*demo=*/false);
  const HttpsClientOptions second = Client(&alice_);

  // They refresh independently: compare when both serve the same data time.
  const std::string path = std::string(kList) + "demand_forecast";
  int compared = 0;
  for (int attempt = 0; attempt < 60 && compared < 3; ++attempt) {
    const HttpsResult x = HttpsGet(first, path);
    const HttpsResult y = HttpsGet(second, path);
    ASSERT_TRUE(x.ok() && y.ok()) << x.error << y.error;
    const json a = x.response->Json();
    const json b = y.response->Json();
    ASSERT_EQ(a["items"].size(), 2u) << a.dump();
    ASSERT_EQ(b["items"].size(), 2u) << b.dump();
    if (a["items"][0]["timestamp"] == b["items"][0]["timestamp"] &&
        a["items"][1]["timestamp"] == b["items"][1]["timestamp"]) {
      EXPECT_EQ(a["items"], b["items"]);
      ++compared;
    }
    std::this_thread::sleep_for(milliseconds(1700));
  }
  EXPECT_EQ(compared, 3);
  EXPECT_TRUE(first_process->Running());
}

}  // namespace
}  // namespace prescale::testing
