#include "forecasting/recurring_events.h"

#include <gtest/gtest.h>

#include <random>

namespace prescale::forecasting {
namespace {

constexpr double kMonday = 1381104000;  // 2013-10-07 00:00 UTC

// Eight days of 1-minute buckets around 100, with a jump to 900 at 14:30 UTC on weekdays (when
// `daily_jump`) and as many jumps again at random minutes.
std::vector<double> Trace(bool daily_jump, int seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> noise(80, 120);
  std::uniform_int_distribution<int> minute(0, 1439);
  std::vector<double> y(8 * 1440);
  for (double& v : y) v = noise(rng);
  for (int day = 0; day < 8; ++day) {
    const bool weekday = day % 7 < 5;
    if (daily_jump && weekday)
      for (int m = 0; m < 5; ++m) y[day * 1440 + 870 + m] = 900;
    const int random_minute = minute(rng);
    y[day * 1440 + random_minute] = 900;
  }
  return y;
}

ScheduledEvent Event(const std::string& name, const std::string& schedule) {
  CalendarError error;
  return *ScheduledEvent::Create({name, schedule, "UTC"}, &error);
}

TEST(RecurringEventsTest, FindsAJumpThatRecursOnWeekdays) {
  const std::vector<double> y = Trace(true, 1);
  const std::vector<EventSpec> found = FindRecurringEvents(kMonday, 60, y, {});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].name, "learned_1430");
  EXPECT_EQ(found[0].schedule, "30 14 * * 1-5");
  EXPECT_EQ(found[0].timezone, "UTC");
  EXPECT_EQ(found[0].before_seconds, 300);
  EXPECT_EQ(found[0].after_seconds, 600);
}

TEST(RecurringEventsTest, NothingWhereJumpsFallAtRandom) {
  for (int seed = 1; seed <= 5; ++seed)
    EXPECT_TRUE(FindRecurringEvents(kMonday, 60, Trace(false, seed), {}).empty()) << seed;
}

TEST(RecurringEventsTest, AConfiguredEventIsNotLearnedAgain) {
  const std::vector<double> y = Trace(true, 1);
  EXPECT_TRUE(FindRecurringEvents(kMonday, 60, y, {Event("auction", "30 14 * * 1-5")}).empty());
  // One at another time does not cover it.
  EXPECT_EQ(FindRecurringEvents(kMonday, 60, y, {Event("other", "0 9 * * *")}).size(), 1u);
}

TEST(RecurringEventsTest, TwoDaysAreNotEnough) {
  std::vector<double> y = Trace(true, 1);
  y.resize(2 * 1440);
  EXPECT_TRUE(FindRecurringEvents(kMonday, 60, y, {}).empty());
}

}  // namespace
}  // namespace prescale::forecasting
