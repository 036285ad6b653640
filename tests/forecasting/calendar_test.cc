#include "forecasting/calendar.h"

#include <gtest/gtest.h>

namespace prescale::forecasting {
namespace {

constexpr double kMon7Oct2013 = 1381104000;  // 2013-10-07 00:00:00 UTC, a Monday
constexpr double kMon2Dec2013 = 1385942400;  // 2013-12-02 00:00:00 UTC, a Monday (EST)
constexpr double kWeek = 7 * 86400;

CronSchedule Parse(const std::string& schedule, const std::string& zone = "UTC") {
  std::string error;
  auto s = CronSchedule::Parse({"e", schedule, zone}, &error);
  EXPECT_TRUE(s.has_value()) << error;
  return s.value_or(*CronSchedule::Parse({"e", "0 0 * * *", "UTC"}, &error));
}

std::vector<double> Between(const CronSchedule& s, double t0, double t1) {
  std::vector<double> out;
  s.OccurrencesBetween(t0, t1, &out);
  return out;
}

TEST(CalendarTest, NewYorkOpenFollowsDaylightSaving) {
  const CronSchedule open = Parse("30 9 * * 1-5", "America/New_York");
  const std::vector<double> october = Between(open, kMon7Oct2013, kMon7Oct2013 + kWeek);
  ASSERT_EQ(october.size(), 5u);
  for (int d = 0; d < 5; ++d) EXPECT_EQ(october[d], kMon7Oct2013 + d * 86400 + 13.5 * 3600);
  const std::vector<double> december = Between(open, kMon2Dec2013, kMon2Dec2013 + kWeek);
  ASSERT_EQ(december.size(), 5u);
  EXPECT_EQ(december[0], kMon2Dec2013 + 14.5 * 3600);  // EST: UTC-5
}

TEST(CalendarTest, StepsListsAndRanges) {
  EXPECT_EQ(Between(Parse("*/15 * * * *"), 0, 3600 - 1).size(), 4u);
  EXPECT_EQ(Between(Parse("0,30 8-9 * * *"), 0, 86400 - 1).size(), 4u);
  EXPECT_EQ(Between(Parse("0 0 * * 0,7"), kMon7Oct2013, kMon7Oct2013 + kWeek).size(), 1u);
  EXPECT_EQ(Between(Parse("5 4 * * *"), 100, 50).size(), 0u);  // empty range
}

TEST(CalendarTest, BothDayFieldsRestrictedMeansEither) {
  // Vixie cron: the 1st of the month OR any Monday. October 2013: the 1st (a Tuesday) and
  // Mondays 7, 14, 21, 28.
  const double oct1 = kMon7Oct2013 - 6 * 86400;
  EXPECT_EQ(Between(Parse("0 12 1 * 1"), oct1, oct1 + 31 * 86400 - 1).size(), 5u);
}

TEST(CalendarTest, ErrorsNameTheEventAndField) {
  std::string error;
  EXPECT_FALSE(CronSchedule::Parse({"open", "30 9 * *", "UTC"}, &error));
  EXPECT_NE(error.find("event \"open\": schedule"), std::string::npos) << error;
  for (const char* bad : {"60 9 * * *", "30 24 * * *", "x 9 * * *", "30 9 0 * *", "30 9 * 13 *",
                          "30 9 * * 8", "*/0 9 * * *", "5-1 9 * * *"}) {
    EXPECT_FALSE(CronSchedule::Parse({"e", bad, "UTC"}, &error)) << bad;
  }
  EXPECT_FALSE(CronSchedule::Parse({"open", "30 9 * * *", "Mars/Olympus"}, &error));
  EXPECT_NE(error.find("timezone"), std::string::npos) << error;
}

TEST(CalendarTest, EventWindowIndexes) {
  const CronSchedule noon = Parse("0 12 * * *");
  const double occurrence = 12 * 3600;
  EventWindow w(noon, 60, /*before=*/2, /*after=*/3);
  EXPECT_EQ(w.size(), 6);
  EXPECT_EQ(w.IndexAt(occurrence), 2);
  EXPECT_EQ(w.IndexAt(occurrence - 120), 0);
  EXPECT_EQ(w.IndexAt(occurrence - 180), -1);
  EXPECT_EQ(w.IndexAt(occurrence + 180), 5);
  EXPECT_EQ(w.IndexAt(occurrence + 240), -1);
  EXPECT_EQ(w.IndexAt(occurrence - 30), 2);  // an off-grid bucket that contains the occurrence
  // Far later and back again: the cache refills both ways.
  EXPECT_EQ(w.IndexAt(occurrence + 400 * 86400), 2);
  EXPECT_EQ(w.IndexAt(occurrence + 60), 3);
}

}  // namespace
}  // namespace prescale::forecasting
