#include "policies/calendar.h"

#include <gtest/gtest.h>

namespace prescale::policies {
namespace {

// Unix times computed with Python's calendar.timegm.
constexpr int64_t kMon20131007 = 1381104000;  // 2013-10-07 00:00 UTC, a Monday
constexpr int64_t kMon20131014 = 1381708800;

TEST(CronScheduleTest, ParsesListsRangesStepsAndNames) {
  std::string error;
  auto s = CronSchedule::Parse("*/15 9-17/4 * jan,Mar MON-fri", &error);
  ASSERT_TRUE(s) << error;
  EXPECT_TRUE(s->MatchesTime(13, 45));
  EXPECT_FALSE(s->MatchesTime(13, 50));
  EXPECT_FALSE(s->MatchesTime(10, 0));   // hours 9, 13, 17
  EXPECT_TRUE(s->MatchesDay(5, 3, 1));   // a Monday in March
  EXPECT_FALSE(s->MatchesDay(5, 2, 1));  // February
  EXPECT_FALSE(s->MatchesDay(5, 1, 0));  // Sunday
}

TEST(CronScheduleTest, DayOfMonthOrDayOfWeekWhenBothRestricted) {
  std::string error;
  auto s = CronSchedule::Parse("0 0 1 * 7", &error);  // the 1st, or any Sunday (7 == 0)
  ASSERT_TRUE(s) << error;
  EXPECT_TRUE(s->MatchesDay(1, 6, 3));
  EXPECT_TRUE(s->MatchesDay(9, 6, 0));
  EXPECT_FALSE(s->MatchesDay(9, 6, 3));
}

TEST(CronScheduleTest, RejectsMalformedFieldsWithTheFieldName) {
  std::string error;
  EXPECT_FALSE(CronSchedule::Parse("60 * * * *", &error));
  EXPECT_EQ(error, "minute: 60 is out of range 0-59");
  EXPECT_FALSE(CronSchedule::Parse("0 0 0 * *", &error));
  EXPECT_EQ(error, "day-of-month: 0 is out of range 1-31");
  EXPECT_FALSE(CronSchedule::Parse("0 0 * foo *", &error));
  EXPECT_EQ(error, "month: 'foo' is not a number");
  EXPECT_FALSE(CronSchedule::Parse("0 0 * * 1,,2", &error));
  EXPECT_EQ(error, "day-of-week: empty list item");
  EXPECT_FALSE(CronSchedule::Parse("0 0 * * * *", &error));
}

TEST(EventCalendarTest, UsEquitiesOpenFollowsNewYorkTimeAcrossDst) {
  std::string error;
  auto cal = EventCalendar::Create({{"open", "30 9 * * 1-5", "America/New_York"}}, &error);
  ASSERT_TRUE(cal) << error;
  const std::vector<int64_t> week = cal->Occurrences(kMon20131007, kMon20131014);
  ASSERT_EQ(week.size(), 5u);
  EXPECT_EQ(week.front(), 1381152600);  // 13:30 UTC (EDT)
  EXPECT_EQ(week.back(), 1381498200);   // Friday
  // After DST ends on 2013-11-03 the open is 14:30 UTC.
  EXPECT_EQ(cal->NextWithin(1383523200, 86400 * 2), 1383575400);
  EXPECT_EQ(cal->NextWithin(1381152600 - 60, 60), 1381152600);  // inclusive bounds
  EXPECT_FALSE(cal->NextWithin(1381152600 - 61, 60).has_value());
}

TEST(EventCalendarTest, SkippedLocalTimeFiresAtTheTransition) {
  std::string error;
  auto cal = EventCalendar::Create({{"x", "30 2 10 3 *", "America/New_York"}}, &error);
  ASSERT_TRUE(cal) << error;
  // 2013-03-10 02:30 EST does not exist; clocks jumped at 07:00 UTC.
  EXPECT_EQ(cal->Occurrences(1362873600, 1362873600 + 86400), (std::vector<int64_t>{1362898800}));
}

TEST(EventCalendarTest, CreateNamesTheBadEvent) {
  std::string error;
  EXPECT_FALSE(EventCalendar::Create({{"close", "0 16 * * 1-5", "Mars/Olympus"}}, &error));
  EXPECT_EQ(error, "event close: unknown time zone 'Mars/Olympus' (not in the system tzdata)");
}

}  // namespace
}  // namespace prescale::policies
