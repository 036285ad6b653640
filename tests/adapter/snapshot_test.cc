#include "adapter/snapshot.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "adapter/demo_source.h"
#include "adapter/snapshot_provider.h"

namespace prescale::adapter {
namespace {

using namespace std::chrono_literals;
using apiserver::ExternalMetricValue;
using apiserver::LabelSelector;
using apiserver::MetricValues;
using apiserver::ProviderError;

std::shared_ptr<const Snapshot> Make(double value,
                                     ServedMetric::State state = ServedMetric::State::kOk) {
  const auto t = std::chrono::system_clock::from_time_t(1764149400);
  ServedMetric m{"order_flow_rate_forecast", "order_flow_rate", state, "data is 700s old", {}};
  for (const char* venue : {"xnys", "arcx", "xnas"})
    m.values.push_back({m.name, {{"venue", venue}}, t, 15, value, ""});
  return std::make_shared<const Snapshot>(t, std::vector<ServedMetric>{m}, true);
}

TEST(SnapshotTest, SortsSeriesAndPrecomputesJson) {
  const auto s = Make(1.5);
  const ServedMetric* m = s->Find("order_flow_rate_forecast");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->values[0].labels.at("venue"), "arcx");
  EXPECT_EQ(m->values[2].labels.at("venue"), "xnys");
  EXPECT_NE(m->values[0].json.find("\"value\":\"1500m\""), std::string::npos);
  EXPECT_EQ(s->Find("nope"), nullptr);
}

TEST(SnapshotProviderTest, AnswersFromTheCurrentSnapshot) {
  SnapshotHolder holder;
  SnapshotProvider provider(holder);
  EXPECT_FALSE(provider.Ready());
  auto none = provider.GetExternalMetric("ns", "order_flow_rate_forecast", {});
  EXPECT_EQ(std::get<ProviderError>(none).kind, ProviderError::Kind::kUnavailable);

  holder.Publish(Make(2));
  EXPECT_TRUE(provider.Ready());
  std::string error;
  auto result = provider.GetExternalMetric("ns", "order_flow_rate_forecast",
                                           *LabelSelector::Parse("venue!=xnas", &error));
  const auto& values = std::get<MetricValues>(result);
  ASSERT_EQ(values.items.size(), 2u);
  EXPECT_EQ(values.items[0]->value, 2);
  EXPECT_EQ(std::get<ProviderError>(provider.GetExternalMetric("ns", "x", {})).kind,
            ProviderError::Kind::kNotFound);
  ASSERT_EQ(provider.ListAllExternalMetrics().size(), 1u);

  // Items stay valid after a newer snapshot replaces theirs: the result owns its snapshot.
  holder.Publish(Make(3, ServedMetric::State::kStale));
  EXPECT_EQ(values.items[0]->value, 2);
  auto stale = provider.GetExternalMetric("ns", "order_flow_rate_forecast", {});
  EXPECT_EQ(std::get<ProviderError>(stale).kind, ProviderError::Kind::kUnavailable);
  EXPECT_EQ(std::get<ProviderError>(stale).message, "data is 700s old");
}

TEST(SnapshotHolderTest, ReadersAlwaysSeeACompleteSnapshotWhileAWriterPublishes) {
  SnapshotHolder holder;
  holder.Publish(Make(0));
  std::atomic<bool> stop{false};
  std::atomic<int64_t> reads{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) {
    readers.emplace_back([&] {
      double last = -1;
      while (!stop) {
        const auto s = holder.Current();
        const auto& values = s->Find("order_flow_rate_forecast")->values;
        // All series of one snapshot carry the same value; versions never go back.
        ASSERT_EQ(values[0].value, values[2].value);
        ASSERT_GE(values[0].value, last);
        last = values[0].value;
        ++reads;
      }
    });
  }
  // Publish while the readers read: wait until each has started, and keep them reading.
  while (reads.load() < 3 && !::testing::Test::HasFailure()) std::this_thread::yield();
  for (int v = 1; v <= 300; ++v) {
    holder.Publish(Make(v));
    if (v % 50 == 0) {
      const int64_t seen = reads.load();
      while (reads.load() == seen && !::testing::Test::HasFailure()) std::this_thread::yield();
    }
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(holder.Current()->Find("order_flow_rate_forecast")->values[0].value, 300);
}

TEST(DemoDataSourceTest, DeterministicAndForecastNeverBelowObserved) {
  policies::Config config;
  policies::Policy p;
  p.name = "order_flow_rate";
  p.observed_metric = "order_flow_rate";
  p.forecast_metric = "order_flow_rate_forecast";
  config.policies.push_back(p);
  SnapshotHolder holder;
  DemoDataSource source(config, holder, 3, nullptr);
  const auto t = std::chrono::system_clock::from_time_t(1764167400);  // a Wednesday, 14:30 UTC
  const auto a = source.Build(t), b = source.Build(t);
  const auto& observed = a->Find("order_flow_rate")->values;
  const auto& forecast = a->Find("order_flow_rate_forecast")->values;
  ASSERT_EQ(observed.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(observed[i].json, b->Find("order_flow_rate")->values[i].json);
    EXPECT_GE(forecast[i].value, observed[i].value);
  }
  EXPECT_GT(DemoDataSource::Demand(1764167400 + 60, 0),
            3 * DemoDataSource::Demand(1764167400 - 7200, 0));
}

// SnapshotHolder::WaitForNewerThan: how gRPC streams learn of a new snapshot.

std::shared_ptr<const Snapshot> Empty() {
  return std::make_shared<const Snapshot>(std::chrono::system_clock::now(),
                                          std::vector<ServedMetric>{}, true);
}

TEST(SnapshotWaitTest, ReturnsAtOnceWhenAlreadyNewer) {
  SnapshotHolder holder;
  holder.Publish(Empty());
  holder.Publish(Empty());
  std::stop_source stop;
  EXPECT_EQ(holder.WaitForNewerThan(0, stop.get_token()), 2u);
  EXPECT_EQ(holder.WaitForNewerThan(1, stop.get_token()), 2u);
}

TEST(SnapshotWaitTest, PublishWakesEveryWaiter) {
  SnapshotHolder holder;
  std::stop_source stop;
  std::atomic<int> woken{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < 3; ++i)
    waiters.emplace_back([&] {
      if (holder.WaitForNewerThan(0, stop.get_token()) == 1) ++woken;
    });
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(woken.load(), 0);  // nothing published yet: still waiting
  holder.Publish(Empty());
  for (auto& t : waiters) t.join();
  EXPECT_EQ(woken.load(), 3);
}

TEST(SnapshotWaitTest, DeadlinePassesWithoutPublish) {
  SnapshotHolder holder;
  holder.Publish(Empty());
  std::stop_source stop;
  EXPECT_EQ(holder.WaitForNewerThan(1, stop.get_token(), std::chrono::steady_clock::now() + 20ms),
            1u);
}

TEST(SnapshotWaitTest, StopRequestWakesTheWaiter) {
  SnapshotHolder holder;
  std::stop_source stop;
  auto waiter =
      std::async(std::launch::async, [&] { return holder.WaitForNewerThan(0, stop.get_token()); });
  EXPECT_EQ(waiter.wait_for(50ms), std::future_status::timeout);
  stop.request_stop();
  ASSERT_EQ(waiter.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(waiter.get(), 0u);
  // A stop requested before the call returns at once, too.
  EXPECT_EQ(holder.WaitForNewerThan(0, stop.get_token()), 0u);
}

TEST(SnapshotProviderTest, ANamespaceSeesOnlyWhatItsPolicyServesIt) {
  const auto t = std::chrono::system_clock::from_time_t(1764149400);
  ServedMetric listed{"listed", "p", ServedMetric::State::kOk, "", {}, {{"risk", "trading"}, ""}};
  ServedMetric labelled{"labelled", "q", ServedMetric::State::kOk, "", {}, {{}, "namespace"}};
  for (const char* ns : {"trading", "risk", "team-a"}) {
    listed.values.push_back({"listed", {{"namespace", ns}}, t, 15, 1, ""});
    labelled.values.push_back({"labelled", {{"namespace", ns}}, t, 15, 1, ""});
  }
  SnapshotHolder holder;
  holder.Publish(
      std::make_shared<const Snapshot>(t, std::vector<ServedMetric>{listed, labelled}, true));
  SnapshotProvider provider(holder);
  const auto count = [&](const char* ns, const char* metric) -> int {
    auto r = provider.GetExternalMetric(ns, metric, {});
    if (std::holds_alternative<ProviderError>(r))
      return std::get<ProviderError>(r).kind == ProviderError::Kind::kNotFound ? -1 : -2;
    return static_cast<int>(std::get<MetricValues>(r).items.size());
  };
  EXPECT_EQ(count("trading", "listed"), 3);
  EXPECT_EQ(count("team-a", "listed"), -1);   // not served there: not found, nothing revealed
  EXPECT_EQ(count("team-a", "labelled"), 1);  // its own series only
  EXPECT_EQ(count("other", "labelled"), 0);
}

}  // namespace
}  // namespace prescale::adapter
