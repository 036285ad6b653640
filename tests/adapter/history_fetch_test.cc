// FetchHistory against the fake query API: the bucket grid serve uses, chunked queries, label
// order and max_series, gaps and non-finite samples as 0, shrinking chunks on timeouts, errors.
#include "adapter/history_fetch.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/support/fake_prometheus.h"

namespace prescale::adapter {
namespace {

using testsupport::FakePrometheus;

constexpr double kT0 = 1764149400;  // on the minute grid

std::unique_ptr<PrometheusClient> Client(const std::string& url, int timeout_ms = 10000) {
  PrometheusClientOptions o;
  o.url = url;
  o.timeout = std::chrono::milliseconds(timeout_ms);
  return std::get<std::unique_ptr<PrometheusClient>>(PrometheusClient::Create(o));
}

TEST(HistoryFetchTest, BucketsOnServesGridInChunksAndLabelOrder) {
  FakePrometheus fake;
  const auto value = [](double t) { return std::fmod(t / 60, 97); };
  fake.SetSeries({{{{"venue", "xnas"}}, value},
                  {{{"venue", "arca"}}, [&](double t) { return 2 * value(t); }},
                  {{{"venue", "bats"}}, value}});
  auto client = Client(fake.url());
  HistoryQuery q{"sum by (venue) (x)", kT0 + 30, kT0 + 100 * 60, 60, 16, 2};
  size_t last_done = 0, calls = 0;
  auto out = FetchHistory(*client, q, [&](size_t done, size_t total) {
    ++calls;
    last_done = done;
    EXPECT_EQ(total, 99u);
  });
  ASSERT_TRUE(std::holds_alternative<std::vector<FetchedSeries>>(out));
  const auto& series = std::get<std::vector<FetchedSeries>>(out);
  ASSERT_EQ(series.size(), 2u);  // max_series: the first two in label order
  EXPECT_EQ(series[0].labels.at("venue"), "arca");
  EXPECT_EQ(series[1].labels.at("venue"), "bats");
  // Buckets from the first whole minute after `from`; bucket k holds the sample at its end.
  const forecasting::Trace& t = series[1].trace;
  EXPECT_EQ(t.start_unix, kT0 + 60);
  EXPECT_EQ(t.step_seconds, 60);
  ASSERT_EQ(t.values.size(), 99u);
  for (size_t k = 0; k < t.values.size(); ++k)
    EXPECT_DOUBLE_EQ(t.values[k], value(t.BucketStart(k) + 60)) << k;
  EXPECT_DOUBLE_EQ(series[0].trace.values[5], 2 * t.values[5]);
  EXPECT_EQ(calls, 7u);  // ceil(99 / 16) queries
  EXPECT_EQ(last_done, 99u);
  EXPECT_EQ(fake.last_request().params.at("step"), "60.000");
}

TEST(HistoryFetchTest, NonFiniteSamplesAndGapsAreZero) {
  FakePrometheus fake;
  fake.SetSeries({{{{"venue", "xnas"}},
                   [](double t) { return std::fmod(t, 600) == 0 ? std::nan("") : 5.0; }}});
  fake.SetMode(FakePrometheus::Mode::kNaN);
  auto client = Client(fake.url());
  auto out = FetchHistory(*client, {"x", kT0, kT0 + 60 * 60, 60, 2000, 10});
  ASSERT_TRUE(std::holds_alternative<std::vector<FetchedSeries>>(out));
  const auto& values = std::get<std::vector<FetchedSeries>>(out)[0].trace.values;
  int zeros = 0;
  for (double v : values) {
    EXPECT_TRUE(v == 0 || v == 5);
    zeros += v == 0;
  }
  EXPECT_GT(zeros, 6);
}

TEST(HistoryFetchTest, TimeoutsShrinkTheChunksThenFail) {
  FakePrometheus fake;
  fake.SetMode(FakePrometheus::Mode::kSlow);
  fake.SetSlowDelay(std::chrono::milliseconds(2000));
  auto client = Client(fake.url(), 200);
  auto out = FetchHistory(*client, {"x", kT0, kT0 + 100 * 60, 60, 64, 10});
  ASSERT_TRUE(std::holds_alternative<PrometheusError>(out));
  EXPECT_EQ(std::get<PrometheusError>(out).reason, PrometheusError::Reason::kTimeout);
  EXPECT_EQ(fake.requests(), 3);  // 64, 32, then 16 points per query
  EXPECT_EQ(fake.last_request().params.at("end"),
            std::to_string(static_cast<int64_t>(kT0 + 16 * 60)) + ".000");
}

TEST(HistoryFetchTest, ErrorsAndEmptyPeriods) {
  FakePrometheus fake;
  fake.SetMode(FakePrometheus::Mode::kHttp5xx);
  auto client = Client(fake.url());
  auto out = FetchHistory(*client, {"x", kT0, kT0 + 3600, 60, 2000, 10});
  ASSERT_TRUE(std::holds_alternative<PrometheusError>(out));
  EXPECT_EQ(std::get<PrometheusError>(out).reason, PrometheusError::Reason::kHttp5xx);
  const int64_t before = fake.requests();
  out = FetchHistory(*client, {"x", kT0, kT0 + 30, 60, 2000, 10});  // no whole bucket
  ASSERT_TRUE(std::holds_alternative<std::vector<FetchedSeries>>(out));
  EXPECT_TRUE(std::get<std::vector<FetchedSeries>>(out).empty());
  EXPECT_EQ(fake.requests(), before);
}

}  // namespace
}  // namespace prescale::adapter
