// Exercises the Prometheus test harness: PrometheusServer (real prometheus + promtool backfill),
// MetricsExporter (scraped live), FakePrometheus (fault modes) and the plain HTTP pieces.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <thread>

#include "tests/support/fake_prometheus.h"
#include "tests/support/metrics_exporter.h"
#include "tests/support/plain_http.h"
#include "tests/support/prometheus_server.h"

namespace prescale::testsupport {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

bool HaveProgram(const char* name) {
  std::string command = std::string("command -v ") + name + " >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

#define SKIP_WITHOUT_PROMETHEUS()                                                         \
  if (!HaveProgram("prometheus") || !HaveProgram("promtool")) {                           \
    GTEST_SKIP() << "prometheus/promtool not installed (scripts/install-deps adds them)"; \
  }

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

HttpsResult Get(int port, const std::string& target, std::chrono::milliseconds timeout = 5s) {
  HttpsRequest request;
  request.target = target;
  return PlainHttpSend("127.0.0.1", port, request, timeout);
}

HttpsResult PostForm(int port, const std::string& path, const std::string& body) {
  HttpsRequest request;
  request.method = "POST";
  request.target = path;
  request.body = body;
  return PlainHttpSend("127.0.0.1", port, request, 5s);
}

// ---- plain_http.h ----

TEST(PlainHttpTest, FormAndTargetParsing) {
  auto params = ParseFormEncoded("query=sum+by+(venue)+(rate(x%5B1m%5D))&start=1.5&empty=&flag");
  EXPECT_EQ(params["query"], "sum by (venue) (rate(x[1m]))");
  EXPECT_EQ(params["start"], "1.5");
  EXPECT_EQ(params["empty"], "");
  EXPECT_TRUE(params.count("flag"));
  ParsedTarget target = ParseTarget("/api/v1/query?query=" + UrlEncode("up{job=\"a b\"}"));
  EXPECT_EQ(target.path, "/api/v1/query");
  EXPECT_EQ(target.params["query"], "up{job=\"a b\"}");
  EXPECT_EQ(ParseTarget("/x").params.size(), 0u);
}

TEST(PlainHttpTest, ClientReportsRefusedConnections) {
  HttpsResult result = Get(FreeTcpPort(), "/");
  EXPECT_FALSE(result.ok());
  EXPECT_NE(result.error.find("connect"), std::string::npos) << result.error;
}

// ---- metrics_exporter.h ----

TEST(MetricsExporterTest, ServesTextFormatAndCountsScrapes) {
  MetricsExporter exporter;
  exporter.SetType("orders_received_total", "counter");
  exporter.Add("orders_received_total", {{"venue", "xnas"}}, 5);
  exporter.Add("orders_received_total", {{"venue", "xnas"}}, 2.5);
  exporter.Set("depth", {{"book", "a\"b"}, {"side", "bid"}}, 0.1);
  exporter.Set("odd", {}, std::nan(""));
  HttpsResult result = Get(exporter.port(), "/metrics");
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.response->status, 200);
  EXPECT_EQ(result.response->body,
            "# TYPE depth gauge\n"
            "depth{book=\"a\\\"b\",side=\"bid\"} 0.1\n"
            "# TYPE odd gauge\n"
            "odd NaN\n"
            "# TYPE orders_received_total counter\n"
            "orders_received_total{venue=\"xnas\"} 7.5\n");
  EXPECT_EQ(exporter.scrapes(), 1);
  exporter.Remove("odd", {});
  EXPECT_EQ(exporter.Render().find("odd"), std::string::npos);
  EXPECT_EQ(Get(exporter.port(), "/other").response->status, 404);
  EXPECT_EQ(exporter.target(), "127.0.0.1:" + std::to_string(exporter.port()));
}

TEST(MetricsExporterTest, FailsAndHangsOnDemand) {
  MetricsExporter exporter;
  exporter.Set("g", {}, 1);
  exporter.SetMode(MetricsExporter::Mode::kError500);
  EXPECT_EQ(Get(exporter.port(), "/metrics").response->status, 500);
  exporter.SetMode(MetricsExporter::Mode::kHang);
  HttpsResult hung = Get(exporter.port(), "/metrics", 300ms);
  EXPECT_FALSE(hung.ok());
  EXPECT_EQ(hung.error, "timeout");
  // A hanging request is released by a mode change.
  std::thread release([&] {
    std::this_thread::sleep_for(200ms);
    exporter.SetMode(MetricsExporter::Mode::kNormal);
  });
  HttpsResult later = Get(exporter.port(), "/metrics", 5s);
  release.join();
  ASSERT_TRUE(later.ok()) << later.error;
  EXPECT_EQ(later.response->status, 200);
  // Destruction with a request still hanging returns promptly (checked by the test timeout).
  exporter.SetMode(MetricsExporter::Mode::kHang);
  std::thread stuck([port = exporter.port()] { Get(port, "/metrics", 2s); });
  std::this_thread::sleep_for(100ms);
  stuck.join();
}

// ---- fake_prometheus.h ----

TEST(FakePrometheusTest, PassThroughSamplesSeriesForRangeAndInstantQueries) {
  FakePrometheus fake;
  fake.SetSeries({{{{"venue", "xnas"}}, [](double t) { return t / 15; }},
                  {{{"venue", "arcx"}}, [](double t) { return std::fmod(t, 30) == 0 ? NAN : 1; }}});
  HttpsResult result =
      Get(fake.port(), "/api/v1/query_range?query=" + UrlEncode("sum by (venue) (x)") +
                           "&start=1500&end=1545&step=15s");
  ASSERT_TRUE(result.ok()) << result.error;
  json body = result.response->Json();
  EXPECT_EQ(body["status"], "success");
  EXPECT_EQ(body["data"]["resultType"], "matrix");
  ASSERT_EQ(body["data"]["result"].size(), 2u);
  EXPECT_EQ(body["data"]["result"][0]["metric"]["venue"], "xnas");
  EXPECT_EQ(body["data"]["result"][0]["values"],
            json::parse(R"([[1500,"100"],[1515,"101"],[1530,"102"],[1545,"103"]])"));
  EXPECT_EQ(body["data"]["result"][1]["values"], json::parse(R"([[1515,"1"],[1545,"1"]])"));
  EXPECT_EQ(fake.last_request().params.at("query"), "sum by (venue) (x)");
  EXPECT_EQ(fake.last_request().params.at("step"), "15s");

  result = PostForm(fake.port(), "/api/v1/query", "query=x&time=1515");
  ASSERT_TRUE(result.ok()) << result.error;
  body = result.response->Json();
  EXPECT_EQ(body["data"]["resultType"], "vector");
  EXPECT_EQ(body["data"]["result"][0]["value"], json::parse(R"([1515,"101"])"));
  EXPECT_EQ(fake.last_request().method, "POST");
  EXPECT_EQ(fake.last_request().params.at("time"), "1515");
  EXPECT_EQ(fake.requests(), 2);
  EXPECT_EQ(fake.request_log().size(), 2u);
}

TEST(FakePrometheusTest, RefusesTooManyPointsAndBadParameters) {
  FakePrometheus fake;
  HttpsResult result = Get(fake.port(), "/api/v1/query_range?query=x&start=0&end=200000&step=15");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.response->status, 400);
  EXPECT_NE(result.response->body.find("11,000 points"), std::string::npos);
  EXPECT_EQ(Get(fake.port(), "/api/v1/query_range?query=x&start=a&end=1&step=1").response->status,
            400);
  EXPECT_EQ(Get(fake.port(), "/api/v1/query_range?start=0&end=1&step=1").response->status, 400);
  EXPECT_EQ(Get(fake.port(), "/api/v1/labels").response->status, 404);
}

TEST(FakePrometheusTest, FaultModes) {
  FakePrometheus fake;
  const std::string range = "/api/v1/query_range?query=x&start=0&end=150&step=15";

  fake.SetMode(FakePrometheus::Mode::kGarbage);
  HttpsResult result = Get(fake.port(), range);
  EXPECT_EQ(result.response->status, 200);
  EXPECT_TRUE(result.response->Json().is_discarded());

  fake.SetMode(FakePrometheus::Mode::kHttp5xx);
  result = Get(fake.port(), range);
  EXPECT_EQ(result.response->status, 503);
  EXPECT_EQ(result.response->Json()["errorType"], "unavailable");
  EXPECT_EQ(result.response->Json()["status"], "error");

  fake.SetMode(FakePrometheus::Mode::kHttp4xx);
  result = Get(fake.port(), range);
  EXPECT_EQ(result.response->status, 400);
  EXPECT_EQ(result.response->Json()["errorType"], "bad_data");

  fake.SetMode(FakePrometheus::Mode::kNaN);
  result = Get(fake.port(), range);
  EXPECT_EQ(result.response->status, 200);
  json values = result.response->Json()["data"]["result"][0]["values"];
  ASSERT_EQ(values.size(), 11u);
  EXPECT_EQ(values[3][1], "NaN");
  EXPECT_EQ(values[6][1], "+Inf");
  EXPECT_EQ(values[0][1], "100");

  fake.SetMode(FakePrometheus::Mode::kSlow);
  fake.SetSlowDelay(400ms);
  auto start = std::chrono::steady_clock::now();
  result = Get(fake.port(), range);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 400ms);
  EXPECT_EQ(result.response->status, 200);
  EXPECT_FALSE(Get(fake.port(), range, 100ms).ok());  // a client with a short timeout gives up

  fake.SetMode(FakePrometheus::Mode::kPassThrough);
  fake.SetMatrix(json::parse(R"([{"metric":{"venue":"x"},"values":[[10,"1"],[25,"2"]]}])"));
  result = Get(fake.port(), range);
  EXPECT_EQ(result.response->Json()["data"]["result"][0]["values"][1][1], "2");
  result = Get(fake.port(), "/api/v1/query?query=x");
  EXPECT_EQ(result.response->Json()["data"]["result"][0]["value"], json::parse(R"([25,"2"])"));
  EXPECT_EQ(fake.mode(), FakePrometheus::Mode::kPassThrough);
}

TEST(FakePrometheusTest, DestructionReleasesSlowRequests) {
  auto fake = std::make_unique<FakePrometheus>();
  fake->SetMode(FakePrometheus::Mode::kSlow);  // 30 s by default
  int port = fake->port();
  std::thread client([port] { Get(port, "/api/v1/query?query=x", 20s); });
  std::this_thread::sleep_for(200ms);
  auto start = std::chrono::steady_clock::now();
  fake.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  client.join();
}

// ---- prometheus_server.h ----

TEST(PrometheusServerTest, OpenMetricsTextNamesCounterFamiliesWithoutTotal) {
  std::string text = OpenMetricsText("orders_total", "counter",
                                     {{{{"venue", "xnas"}}, {{1700000000, 1}, {1700000015.5, 2}}}});
  EXPECT_EQ(text,
            "# TYPE orders counter\n"
            "orders_total{venue=\"xnas\"} 1 1700000000\n"
            "orders_total{venue=\"xnas\"} 2 1700000015.5\n"
            "# EOF\n");
}

// Two days of a gauge and a counter, 15 s step, ending a few minutes ago: every backfilled value
// reads back exactly; rate() over the counter is what the generator put in; the data survives a
// restart; a live exporter's sample shows up.
TEST(PrometheusServerTest, BackfillScrapeAndRestart) {
  SKIP_WITHOUT_PROMETHEUS();
  const int64_t step = 15;
  const int64_t end = (NowSeconds() / step) * step - 300;
  const int64_t start = end - 2 * 86400;
  auto gauge_value = [](int64_t t) { return static_cast<double>((t / 15) % 977) + 0.25; };
  std::vector<PromSeries> gauges(2), counters(1);
  gauges[0].labels = {{"venue", "xnas"}};
  gauges[1].labels = {{"venue", "arcx"}};
  counters[0].labels = {{"venue", "xnas"}};
  double total = 0;
  for (int64_t t = start; t <= end; t += step) {
    gauges[0].points.emplace_back(t, gauge_value(t));
    gauges[1].points.emplace_back(t, -gauge_value(t));
    total += 3 * step;  // 3 per second
    counters[0].points.emplace_back(t, total);
  }
  std::string text = OpenMetricsText("demand", "gauge", gauges);
  text.resize(text.size() - 6);  // drop "# EOF\n" to append a second family
  text += OpenMetricsText("orders_total", "counter", counters);

  MetricsExporter exporter;
  exporter.Set("live_demand", {{"venue", "xnys"}}, 42);
  PrometheusServerOptions options;
  options.backfill_openmetrics = text;
  options.scrape_targets = {exporter.target()};
  options.scrape_interval = 1s;
  PrometheusServer prometheus(options);
  EXPECT_EQ(prometheus.url(), "http://127.0.0.1:" + std::to_string(prometheus.port()));

  auto check_history = [&] {
    // The first and last hour at full resolution, exact values.
    for (int64_t from : {start, end - 3600}) {
      std::vector<PromSeries> got =
          prometheus.QueryRange("demand{venue=\"xnas\"}", from, from + 3600, step);
      ASSERT_EQ(got.size(), 1u);
      EXPECT_EQ(got[0].labels.at("__name__"), "demand");
      ASSERT_EQ(got[0].points.size(), 241u);
      for (const auto& [t, v] : got[0].points) {
        ASSERT_EQ(v, gauge_value(static_cast<int64_t>(t))) << "at " << t;
      }
    }
    std::vector<PromSample> both = prometheus.QueryInstant("demand", end - 86400);
    ASSERT_EQ(both.size(), 2u);
    std::vector<PromSample> rate =
        prometheus.QueryInstant("sum by (venue) (rate(orders_total[1m]))", end - 600);
    ASSERT_EQ(rate.size(), 1u);
    EXPECT_NEAR(rate[0].value, 3.0, 1e-9);
    EXPECT_EQ(rate[0].labels, (Labels{{"venue", "xnas"}}));
    std::vector<PromSample> count =
        prometheus.QueryInstant("count_over_time(demand{venue=\"arcx\"}[3d])", end);
    ASSERT_EQ(count.size(), 1u);
    EXPECT_EQ(count[0].value, static_cast<double>((end - start) / step + 1));
  };
  check_history();

  auto live = prometheus.WaitForSample(
      "live_demand", [](const PromSample& s) { return s.value == 42; }, 30s);
  ASSERT_TRUE(live) << prometheus.ReadLog();
  EXPECT_EQ(live->labels.at("venue"), "xnys");
  EXPECT_EQ(live->labels.at("instance"), exporter.target());
  exporter.Set("live_demand", {{"venue", "xnys"}}, 43);
  ASSERT_TRUE(prometheus.WaitForSample(
      "live_demand", [](const PromSample& s) { return s.value == 43; }, 30s));

  const int port = prometheus.port();
  prometheus.Stop();
  EXPECT_FALSE(prometheus.running());
  EXPECT_THROW(prometheus.QueryInstant("up"), std::runtime_error);
  prometheus.Start();
  EXPECT_EQ(prometheus.port(), port);
  check_history();
  // The scraped sample came back through the WAL, and scraping resumes.
  EXPECT_EQ(prometheus.QueryInstant("max_over_time(live_demand[10m])").at(0).value, 43);
  exporter.Set("live_demand", {{"venue", "xnys"}}, 44);
  ASSERT_TRUE(prometheus.WaitForSample(
      "live_demand", [](const PromSample& s) { return s.value == 44; }, 30s));
}

TEST(PrometheusServerTest, BadBackfillThrowsWithPromtoolsMessage) {
  SKIP_WITHOUT_PROMETHEUS();
  PrometheusServerOptions options;
  options.backfill_openmetrics = "# TYPE x gauge\nx 1 1700000000\n";  // no # EOF
  try {
    PrometheusServer prometheus(options);
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("promtool backfill failed"), std::string::npos)
        << e.what();
  }
}

TEST(PrometheusServerTest, BackfillsAStoppedServer) {
  SKIP_WITHOUT_PROMETHEUS();
  PrometheusServer prometheus(PrometheusServerOptions{});
  EXPECT_TRUE(prometheus.QueryInstant("up").empty());
  const double t = static_cast<double>(NowSeconds() - 7200);
  std::string text = OpenMetricsText("late", "gauge", {{{{"k", "v"}}, {{t - 15, 1}, {t, 2}}}});
  EXPECT_THROW(prometheus.Backfill(text), std::logic_error);
  prometheus.Stop();
  prometheus.Backfill(text);
  prometheus.Start();
  std::vector<PromSample> got = prometheus.QueryInstant("late", t);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].value, 2);
  EXPECT_EQ(got[0].timestamp, t);
}

}  // namespace
}  // namespace prescale::testsupport
