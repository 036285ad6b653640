#include "adapter/prometheus_client.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>

#include "tests/support/fake_prometheus.h"

namespace prescale::adapter {
namespace {

using testsupport::FakePrometheus;

std::string CreateError(const std::string& url, const std::string& ca_file = "") {
  PrometheusClientOptions o;
  o.url = url;
  o.ca_file = ca_file;
  auto created = PrometheusClient::Create(o);
  return std::holds_alternative<std::string>(created) ? std::get<std::string>(created) : "";
}

std::unique_ptr<PrometheusClient> Client(
    const std::string& url, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  PrometheusClientOptions o;
  o.url = url;
  o.timeout = timeout;
  auto created = PrometheusClient::Create(o);
  if (auto* e = std::get_if<std::string>(&created)) ADD_FAILURE() << *e;
  return std::move(std::get<std::unique_ptr<PrometheusClient>>(created));
}

TEST(PrometheusClientTest, RejectsUnusableUrlsAndCaFiles) {
  EXPECT_NE(CreateError("ftp://prometheus:9090").find("must start with http:// or https://"),
            std::string::npos);
  EXPECT_NE(CreateError("http://:9090").find("no valid host and port"), std::string::npos);
  EXPECT_NE(CreateError("http://prometheus:port").find("no valid host and port"),
            std::string::npos);
  const std::string credentials = CreateError("http://admin:s3cret@prometheus:9090");
  EXPECT_NE(credentials.find("use --prometheus-token-file"), std::string::npos);
  EXPECT_EQ(credentials.find("s3cret"), std::string::npos);
  EXPECT_NE(CreateError("https://prometheus:9090", "/nonexistent/ca.pem")
                .find("cannot load the Prometheus CA file /nonexistent/ca.pem"),
            std::string::npos);
  EXPECT_EQ(CreateError("https://thanos-query.monitoring:10902/prefix/"), "");
  EXPECT_EQ(CreateError("http://[::1]:9090"), "");
}

TEST(PrometheusClientTest, QueriesOverOneKeptAliveConnection) {
  FakePrometheus fake;
  fake.SetSeries({{{{"venue", "xnas"}}, [](double t) { return t / 1000; }}});
  auto client = Client(fake.url() + "/");
  for (int i = 0; i < 3; ++i) {
    QueryResult r = client->QueryRange("sum(rate(x[1m]))", 1764149400, 1764149430, 15);
    ASSERT_TRUE(std::holds_alternative<std::vector<Series>>(r))
        << std::get<PrometheusError>(r).message;
    const auto& series = std::get<std::vector<Series>>(r);
    ASSERT_EQ(series.size(), 1u);
    EXPECT_EQ(series[0].labels.at("venue"), "xnas");
    ASSERT_EQ(series[0].samples.size(), 3u);
    EXPECT_DOUBLE_EQ(series[0].samples[2].value, 1764149.43);
  }
  const auto request = fake.last_request();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/api/v1/query_range");
  EXPECT_EQ(request.params.at("query"), "sum(rate(x[1m]))");
  EXPECT_EQ(request.params.at("start"), "1764149400.000");
  EXPECT_EQ(request.params.at("step"), "15.000");
  EXPECT_GT(client->bytes_received(), 0u);
  QueryResult instant = client->Query("up", 1764149400);
  ASSERT_TRUE(std::holds_alternative<std::vector<Series>>(instant));
  EXPECT_EQ(fake.last_request().path, "/api/v1/query");
}

TEST(PrometheusClientTest, TypedErrors) {
  FakePrometheus fake;
  auto client = Client(fake.url(), std::chrono::milliseconds(500));
  const std::pair<FakePrometheus::Mode, std::string> cases[] = {
      {FakePrometheus::Mode::kGarbage, "bad_response"},
      {FakePrometheus::Mode::kHttp5xx, "http_5xx"},
      {FakePrometheus::Mode::kHttp4xx, "http_4xx"},
      {FakePrometheus::Mode::kSlow, "timeout"}};
  fake.SetSlowDelay(std::chrono::milliseconds(2000));
  for (const auto& [mode, reason] : cases) {
    fake.SetMode(mode);
    QueryResult r = client->QueryRange("q", 0, 60, 15);
    ASSERT_TRUE(std::holds_alternative<PrometheusError>(r)) << reason;
    EXPECT_EQ(ReasonLabel(std::get<PrometheusError>(r).reason), reason);
  }
  // The client recovers on a fresh connection once the server answers again.
  fake.SetMode(FakePrometheus::Mode::kPassThrough);
  EXPECT_TRUE(std::holds_alternative<std::vector<Series>>(client->QueryRange("q", 0, 60, 15)));
  // Nobody listening.
  auto orphan = Client("http://127.0.0.1:1");
  QueryResult refused = orphan->Query("q", 0);
  ASSERT_TRUE(std::holds_alternative<PrometheusError>(refused));
  EXPECT_EQ(std::get<PrometheusError>(refused).reason, PrometheusError::Reason::kConnect);
}

TEST(PrometheusClientTest, AnswersLargerThanTheBoundAreTooLargeAndReadNoFurther) {
  FakePrometheus fake;
  PrometheusClientOptions o;
  o.url = fake.url();
  o.max_body_bytes = 4096;
  auto created = PrometheusClient::Create(o);
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<PrometheusClient>>(created));
  auto& client = std::get<std::unique_ptr<PrometheusClient>>(created);
  // 1000 points: about 20 KB.
  QueryResult r = client->QueryRange("q", 1764149400, 1764149400 + 999 * 15, 15);
  ASSERT_TRUE(std::holds_alternative<PrometheusError>(r));
  const PrometheusError& e = std::get<PrometheusError>(r);
  EXPECT_EQ(ReasonLabel(e.reason), std::string("too_large"));
  EXPECT_EQ(e.message, "the answer is larger than 4096 bytes (--prometheus-max-answer-bytes)");
  EXPECT_FALSE(e.SourceFailure());  // a property of this query: other policies go on
  EXPECT_EQ(fake.requests(), 1);    // refused as it arrived, not retried
  // A small answer on the same client is fine.
  EXPECT_TRUE(std::holds_alternative<std::vector<Series>>(
      client->QueryRange("q", 1764149400, 1764149430, 15)));
  EXPECT_EQ(PrometheusClientOptions{}.max_body_bytes, size_t{64} << 20);
}

TEST(PrometheusClientTest, ATokenFileWithControlCharactersIsATokenError) {
  FakePrometheus fake;
  const std::string file = ::testing::TempDir() + "prescale-client-token";
  std::ofstream(file) << "abc\r\nX-Injected: yes\n";
  PrometheusClientOptions o;
  o.url = fake.url();
  o.token_file = file;
  auto created = PrometheusClient::Create(o);
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<PrometheusClient>>(created));
  QueryResult r = std::get<std::unique_ptr<PrometheusClient>>(created)->Query("up", 0);
  ASSERT_TRUE(std::holds_alternative<PrometheusError>(r));
  EXPECT_EQ(std::get<PrometheusError>(r).reason, PrometheusError::Reason::kToken);
  EXPECT_NE(std::get<PrometheusError>(r).message.find("control character"), std::string::npos);
  EXPECT_EQ(fake.requests(), 0);  // nothing was sent
  std::remove(file.c_str());
}

}  // namespace
}  // namespace prescale::adapter
