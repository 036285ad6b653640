// The refresh loop's bounds and its exception guard, against the fake Prometheus query API on
// 127.0.0.1: answers too large, series beyond max_series, samples outside the queried range,
// and an allocation failure while refreshing; each is counted and the last values stay served.
//
// This binary replaces the global operator new to make allocations of at least a chosen size fail
// on demand (an out-of-memory condition a test cannot otherwise produce); off, it is malloc.
#include "adapter/refresh_loop.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <new>
#include <sstream>
#include <thread>

#include "tests/support/fake_prometheus.h"

namespace {
std::atomic<size_t> g_fail_from_bytes{0};  // 0: allocations never fail on purpose
}  // namespace

void* operator new(std::size_t size) {
  const size_t limit = g_fail_from_bytes.load(std::memory_order_relaxed);
  if (limit != 0 && size >= limit) throw std::bad_alloc();
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace prescale::adapter {
namespace {

using namespace std::chrono_literals;
using testsupport::FakePrometheus;
using testsupport::FakeSeries;

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class RefreshLoopTest : public ::testing::Test {
 protected:
  policies::Config Config(std::chrono::milliseconds step, std::chrono::milliseconds history,
                          int max_series = 1000) {
    policies::Policy p;
    p.name = "flow";
    p.query = "sum by (venue) (rate(orders_total[1m]))";
    p.step = step;
    p.history = history;
    p.lead = 30s;
    p.model = "naive";
    p.learn_events = false;
    p.scale_down_hold = 30s;
    p.max_series = max_series;
    p.observed_metric = "flow";
    p.forecast_metric = "flow_forecast";
    policies::Config c;
    c.prometheus.url = fake_.url();
    c.refresh = 1s;
    c.policies = {p};
    return c;
  }

  std::unique_ptr<RefreshLoop> Loop(const policies::Config& config, RefreshLoopOptions o = {}) {
    metrics_ = std::make_unique<AdapterMetrics>(registry_, config);
    return std::make_unique<RefreshLoop>(config, o, holder_, *metrics_, nullptr);
  }

  // The venues served as `flow`, from the published snapshot.
  std::vector<std::string> Venues() {
    std::vector<std::string> out;
    const auto snapshot = holder_.Current();
    const ServedMetric* m = snapshot ? snapshot->Find("flow") : nullptr;
    if (!m || m->state != ServedMetric::State::kOk) return out;
    for (const auto& v : m->values) out.push_back(v.labels.at("venue"));
    return out;
  }

  // The value of one sample of prescale's own metrics (-1 when absent).
  double Metric(const std::string& series) {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, registry_.Collect());
    const std::string text = out.str();
    const size_t at = text.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + series.size() + 2));
  }

  FakePrometheus fake_;
  prometheus::Registry registry_;
  std::unique_ptr<AdapterMetrics> metrics_;
  SnapshotHolder holder_;
};

using Clock = std::chrono::system_clock;

TEST_F(RefreshLoopTest, AnAnswerTooLargeIsAnErrorAndTheLastValuesStayServed) {
  RefreshLoopOptions o;
  o.client.max_body_bytes = 32 << 10;
  auto loop = Loop(Config(15s, 1h), o);
  loop->RefreshOnce(Clock::now());
  ASSERT_EQ(Venues(), std::vector<std::string>{"xnas"});
  // 2000 series in one answer: about 150 KB.
  nlohmann::json matrix = nlohmann::json::array();
  const auto t = static_cast<int64_t>(Now());
  for (int i = 0; i < 2000; ++i)
    matrix.push_back({{"metric", {{"venue", "v" + std::to_string(i)}}}, {"values", {{t, "1"}}}});
  fake_.SetMatrix(matrix);
  loop->RefreshOnce(Clock::now() + 15s);
  EXPECT_EQ(Metric("prescale_prometheus_errors_total{policy=\"flow\",reason=\"too_large\"}"), 1);
  EXPECT_EQ(Metric("prescale_limit_rejections_total{kind=\"prometheus_answer_bytes\"}"), 1);
  EXPECT_EQ(Venues(), std::vector<std::string>{"xnas"});  // held
  // Within the bound again: the client carries on.
  fake_.SetMatrix(std::nullopt);
  loop->RefreshOnce(Clock::now() + 60s);
  EXPECT_EQ(Venues(), std::vector<std::string>{"xnas"});
  EXPECT_EQ(Metric("prescale_prometheus_errors_total{policy=\"flow\",reason=\"too_large\"}"), 1);
}

TEST_F(RefreshLoopTest, SeriesBeyondMaxSeriesAndSamplesOutsideTheRangeAreCounted) {
  std::vector<FakeSeries> venues;
  for (const char* v : {"c", "a", "b"})
    venues.push_back({{{"venue", v}}, [](double) { return 5.0; }});
  fake_.SetSeries(venues);
  auto loop = Loop(Config(15s, 1h, /*max_series=*/2));
  loop->RefreshOnce(Clock::now());
  EXPECT_EQ(Venues(), (std::vector<std::string>{"a", "b"}));
  EXPECT_GE(Metric("prescale_limit_rejections_total{kind=\"prometheus_series\"}"), 1);
  EXPECT_EQ(Metric("prescale_limit_rejections_total{kind=\"future_samples\"}"), 0);

  // A sample stamped a day ahead (a source whose clock is wrong, or hostile).
  const double now = Now() + 15;
  fake_.SetMatrix(nlohmann::json::array(
      {{{"metric", {{"venue", "a"}}}, {"values", {{now - 15, "5"}, {now + 86400, "1e9"}}}}}));
  loop->RefreshOnce(Clock::now() + 15s);
  EXPECT_EQ(Metric("prescale_limit_rejections_total{kind=\"future_samples\"}"), 1);
  EXPECT_LT(Metric("prescale_data_age_seconds{policy=\"flow\"}"), 120);
  EXPECT_GE(Metric("prescale_data_age_seconds{policy=\"flow\"}"), 0);
}

TEST_F(RefreshLoopTest, QueriesAreCountedByOutcomeAndTimed) {
  const std::string success =
      "prescale_prometheus_queries_total{outcome=\"success\",policy=\"flow\"}";
  const std::string failed =
      "prescale_prometheus_queries_total{outcome=\"http_5xx\",policy=\"flow\"}";
  const std::string count = "prescale_prometheus_query_duration_seconds_count{policy=\"flow\"}";
  const std::string sum = "prescale_prometheus_query_duration_seconds_sum{policy=\"flow\"}";
  auto loop = Loop(Config(15s, 1h));
  EXPECT_EQ(Metric(success), 0);  // exported from start-up
  EXPECT_EQ(Metric(failed), 0);
  EXPECT_EQ(Metric(count), 0);
  loop->RefreshOnce(Clock::now());
  const double successes = Metric(success);
  EXPECT_GE(successes, 1);
  EXPECT_EQ(Metric(count), successes);

  fake_.SetMode(FakePrometheus::Mode::kHttp5xx);
  loop->RefreshOnce(Clock::now() + 15s);
  EXPECT_EQ(Metric(failed), 1);
  EXPECT_EQ(Metric("prescale_prometheus_errors_total{policy=\"flow\",reason=\"http_5xx\"}"), 1);
  EXPECT_EQ(Metric(count), successes + 1);

  // A slow answer is timed as such.
  fake_.SetMode(FakePrometheus::Mode::kSlow);
  fake_.SetSlowDelay(300ms);
  const double before = Metric(sum);
  loop->RefreshOnce(Clock::now() + 120s);  // past the backoff
  EXPECT_EQ(Metric(success), successes + 1);
  EXPECT_GE(Metric(sum) - before, 0.3);
}

TEST_F(RefreshLoopTest, CredentialsSentOverPlainHttpAreWarnedAboutOnceAtStartUp) {
  const std::string basic = ::testing::TempDir() + "prescale-refresh-basic";
  std::ofstream(basic) << "alice:pa55word\n";
  RefreshLoopOptions b;
  b.client.basic_auth_file = basic;
  ::testing::internal::CaptureStderr();
  auto with_password = Loop(Config(15s, 1h), b);
  with_password->RefreshOnce(Clock::now());
  const std::string basic_log = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(basic_log.find("the Prometheus basic-auth password is sent over plain http://"),
            std::string::npos)
      << basic_log;
  EXPECT_EQ(basic_log.find("pa55word"), std::string::npos);
  std::remove(basic.c_str());

  const std::string token = ::testing::TempDir() + "prescale-refresh-token";
  std::ofstream(token) << "s3cret\n";
  RefreshLoopOptions o;
  o.client.token_file = token;
  ::testing::internal::CaptureStderr();
  auto loop = Loop(Config(15s, 1h), o);
  loop->RefreshOnce(Clock::now());
  loop->RefreshOnce(Clock::now() + 15s);
  const std::string log = ::testing::internal::GetCapturedStderr();
  const std::string warning = "the Prometheus bearer token is sent over plain http://";
  const size_t first = log.find(warning);
  ASSERT_NE(first, std::string::npos) << log;
  EXPECT_EQ(log.find(warning, first + 1), std::string::npos) << "warned more than once";
  EXPECT_EQ(log.find("s3cret"), std::string::npos);
  // Without a token there is nothing to warn about.
  ::testing::internal::CaptureStderr();
  auto plain = Loop(Config(15s, 1h));
  EXPECT_EQ(::testing::internal::GetCapturedStderr().find(warning), std::string::npos);
  std::remove(token.c_str());
}

TEST_F(RefreshLoopTest, AnAllocationFailureIsCaughtCountedAndTheLoopCarriesOn) {
  // A series' window on a 1 s step over 18 h is about 270 KB: the only allocation that large
  // while the loop is steady is the window of a new series.
  constexpr size_t kFailFrom = 256 << 10;
  RefreshLoopOptions o;
  o.max_backoff = 2s;
  auto loop = Loop(Config(1s, 18h), o);
  loop->Start();
  auto wait = [](auto done, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(50ms);
    }
    return true;
  };
  ASSERT_TRUE(wait([&] { return Venues() == std::vector<std::string>{"xnas"}; }, 120s));

  g_fail_from_bytes = kFailFrom;
  fake_.SetSeries({{{{"venue", "xnas"}}, [](double) { return 100.0; }},
                   {{{"venue", "xnys"}}, [](double) { return 50.0; }}});
  const bool caught = wait([&] { return Metric("prescale_refresh_exceptions_total") >= 2; }, 60s);
  // Meanwhile the loop goes on publishing, and xnas is still served.
  const uint64_t version = holder_.version();
  const bool publishing = wait([&] { return holder_.version() > version + 1; }, 10s);
  const std::vector<std::string> during = Venues();
  g_fail_from_bytes = 0;
  ASSERT_TRUE(caught);
  EXPECT_TRUE(publishing);
  EXPECT_EQ(during, std::vector<std::string>{"xnas"});

  // Memory back: the new series is loaded and served.
  EXPECT_TRUE(wait([&] { return Venues() == std::vector<std::string>{"xnas", "xnys"}; }, 120s));
  loop->Stop();
}

}  // namespace
}  // namespace prescale::adapter
