// SnapshotHolder::WaitForNewerThan: how gRPC streams learn of a new snapshot.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "adapter/snapshot.h"

namespace prescale::adapter {
namespace {

using namespace std::chrono_literals;

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

}  // namespace
}  // namespace prescale::adapter
