#include "forecasting/calendar.h"

#include <gtest/gtest.h>

#include <limits>

namespace prescale::forecasting {
namespace {

// Unix times computed with Python's calendar.timegm.
constexpr double kMon7Oct2013 = 1381104000;  // 2013-10-07 00:00:00 UTC, a Monday (EDT)
constexpr double kMon2Dec2013 = 1385942400;  // 2013-12-02 00:00:00 UTC, a Monday (EST)
constexpr double kDay = 86400;
constexpr double kWeek = 7 * kDay;

ScheduledEvent Event(const std::string& schedule, const std::string& zone = "UTC") {
  CalendarError error;
  std::optional<ScheduledEvent> e = ScheduledEvent::Create({"e", schedule, zone}, &error);
  EXPECT_TRUE(e.has_value()) << error.ToString();
  return e ? *e : *ScheduledEvent::Create({"e", "0 0 * * *", "UTC"}, &error);
}

std::vector<double> Between(const ScheduledEvent& e, double t0, double t1) {
  std::vector<double> out;
  e.OccurrencesBetween(t0, t1, &out);
  return out;
}

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

TEST(CronScheduleTest, StepFromAValueRunsToTheFieldsEnd) {
  std::string error;
  auto s = CronSchedule::Parse("50/5 * * * *", &error);  // 50, 55
  ASSERT_TRUE(s) << error;
  EXPECT_TRUE(s->MatchesTime(0, 55));
  EXPECT_FALSE(s->MatchesTime(0, 0));
}

TEST(CronScheduleTest, DayOfMonthOrDayOfWeekWhenBothRestricted) {
  std::string error;
  auto s = CronSchedule::Parse("0 0 1 * 7", &error);  // the 1st, or any Sunday (7 == 0)
  ASSERT_TRUE(s) << error;
  EXPECT_TRUE(s->MatchesDay(1, 6, 3));
  EXPECT_TRUE(s->MatchesDay(9, 6, 0));
  EXPECT_FALSE(s->MatchesDay(9, 6, 3));
}

TEST(CronScheduleTest, AFieldStartingWithAStarIsUnrestrictedForTheDayRule) {
  // Vixie cron: `*/2` counts as unrestricted, so odd days AND weekdays (not OR).
  std::string error;
  auto s = CronSchedule::Parse("0 9 */2 * 1-5", &error);
  ASSERT_TRUE(s) << error;
  EXPECT_TRUE(s->MatchesDay(3, 10, 4));   // the 3rd, a Thursday
  EXPECT_FALSE(s->MatchesDay(4, 10, 5));  // even day, a Friday
  EXPECT_FALSE(s->MatchesDay(5, 10, 6));  // odd day, a Saturday
}

TEST(CronScheduleTest, RejectsMalformedFieldsWithTheFieldName) {
  std::string error;
  EXPECT_FALSE(CronSchedule::Parse("60 * * * *", &error));
  EXPECT_EQ(error, "minute: 60 is out of range 0-59");
  EXPECT_FALSE(CronSchedule::Parse("30 24 * * *", &error));
  EXPECT_EQ(error, "hour: 24 is out of range 0-23");
  EXPECT_FALSE(CronSchedule::Parse("0 0 0 * *", &error));
  EXPECT_EQ(error, "day-of-month: 0 is out of range 1-31");
  EXPECT_FALSE(CronSchedule::Parse("0 0 * foo *", &error));
  EXPECT_EQ(error, "month: 'foo' is not a number");
  EXPECT_FALSE(CronSchedule::Parse("0 0 * * 1,,2", &error));
  EXPECT_EQ(error, "day-of-week: empty list item");
  EXPECT_FALSE(CronSchedule::Parse("*/0 9 * * *", &error));
  EXPECT_EQ(error, "minute: step '0' must be a positive number");
  EXPECT_FALSE(CronSchedule::Parse("5-1 9 * * *", &error));
  EXPECT_EQ(error, "minute: range 5-1 is backwards");
  EXPECT_FALSE(CronSchedule::Parse("0 0 * * * *", &error));
  EXPECT_EQ(error, "must have 5 fields (minute hour day-of-month month day-of-week), found 6");
  for (const char* bad : {"x 9 * * *", "30 9 * 13 *", "30 9 * * 8", "30 9 * *"}) {
    EXPECT_FALSE(CronSchedule::Parse(bad, &error)) << bad;
  }
}

TEST(ScheduledEventTest, NewYorkOpenFollowsDaylightSaving) {
  const ScheduledEvent open = Event("30 9 * * mon-fri", "America/New_York");
  const std::vector<double> october = Between(open, kMon7Oct2013, kMon7Oct2013 + kWeek);
  ASSERT_EQ(october.size(), 5u);
  for (int d = 0; d < 5; ++d) EXPECT_EQ(october[d], kMon7Oct2013 + d * kDay + 13.5 * 3600);
  const std::vector<double> december = Between(open, kMon2Dec2013, kMon2Dec2013 + kWeek);
  ASSERT_EQ(december.size(), 5u);
  EXPECT_EQ(december[0], kMon2Dec2013 + 14.5 * 3600);  // EST: UTC-5
}

TEST(ScheduledEventTest, BoundsAreInclusive) {
  const ScheduledEvent open = Event("30 9 * * 1-5", "America/New_York");
  const double first = kMon7Oct2013 + 13.5 * 3600;
  EXPECT_EQ(Between(open, first, first), (std::vector<double>{first}));
  EXPECT_TRUE(Between(open, first + 1, first + 60).empty());
  EXPECT_TRUE(Between(open, 100, 50).empty());  // an empty range
}

TEST(ScheduledEventTest, StepsListsAndRanges) {
  EXPECT_EQ(Between(Event("*/15 * * * *"), 0, 3600 - 1).size(), 4u);
  EXPECT_EQ(Between(Event("0,30 8-9 * * *"), 0, kDay - 1).size(), 4u);
  EXPECT_EQ(Between(Event("0 0 * * 0,7"), kMon7Oct2013, kMon7Oct2013 + kWeek).size(), 1u);
}

TEST(ScheduledEventTest, BothDayFieldsRestrictedMeansEither) {
  // The 1st of the month OR any Monday. October 2013: the 1st (a Tuesday) and Mondays 7, 14,
  // 21, 28.
  const double oct1 = kMon7Oct2013 - 6 * kDay;
  EXPECT_EQ(Between(Event("0 12 1 * 1"), oct1, oct1 + 31 * kDay - 1).size(), 5u);
  // `*/2`: odd days that are weekdays. October 2013: 1, 3, 7, 9, 11, 15, 17, 21, 23, 25, 29, 31.
  EXPECT_EQ(Between(Event("0 12 */2 * 1-5"), oct1, oct1 + 31 * kDay - 1).size(), 12u);
}

TEST(ScheduledEventTest, SkippedLocalTimeFiresAtTheTransition) {
  // 2013-03-10 02:30 EST does not exist; clocks jumped at 07:00 UTC.
  const ScheduledEvent e = Event("30 2 10 3 *", "America/New_York");
  EXPECT_EQ(Between(e, 1362873600, 1362873600 + kDay), (std::vector<double>{1362898800}));
}

TEST(ScheduledEventTest, RepeatedLocalTimeFiresOnce) {
  // 2013-11-03 01:30 happens twice in New York; the first is 05:30 UTC (EDT).
  const ScheduledEvent e = Event("30 1 3 11 *", "America/New_York");
  EXPECT_EQ(Between(e, 1383436800, 1383436800 + kDay), (std::vector<double>{1383456600}));
}

TEST(ScheduledEventTest, TimesFarOutsideTheCalendarHaveNoOccurrences) {
  // Found by tests/fuzz/calendar_fuzzer: a time beyond long long (1.7e19 s) was converted to
  // integer seconds unchecked (undefined behaviour; on x86 the schedule then ran over garbage
  // days). Times beyond the calendar's years have no occurrences, and the near ones still do.
  const ScheduledEvent e = Event("0 0 1 * 7", "Asia/Kolkata");
  EXPECT_TRUE(Between(e, 17444444444467112800.0, 17444444444467112800.0 + 1728).empty());
  EXPECT_TRUE(Between(e, -1e300, -1e300 + 1e290).empty());
  EXPECT_TRUE(Between(e, 1e300, std::numeric_limits<double>::infinity()).empty());
  EXPECT_TRUE(Between(e, 4e11, 4e11 + kWeek).empty());
  EXPECT_EQ(Between(e, kMon7Oct2013, kMon7Oct2013 + kWeek).size(), 1u);  // Sunday the 13th
  EventWindow w(e, 60, 2, 3);
  EXPECT_EQ(w.IndexAt(1e300), -1);
  EXPECT_EQ(w.IndexAt(-1e300), -1);
}

TEST(ScheduledEventTest, ErrorsNameTheEventAndField) {
  CalendarError error;
  EXPECT_FALSE(ScheduledEvent::Create({"open", "30 25 * * *", "UTC"}, &error));
  EXPECT_EQ(error.ToString(), "event \"open\": schedule: hour: 25 is out of range 0-23");
  EXPECT_FALSE(ScheduledEvent::Create({"close", "0 16 * * 1-5", "Mars/Olympus"}, &error));
  EXPECT_EQ(error.field, "timezone");
  EXPECT_EQ(error.ToString(),
            "event \"close\": timezone: unknown time zone 'Mars/Olympus' (not in the system "
            "tzdata)");
}

TEST(ScheduledEventTest, HolidaysAreSkippedAndDatedOccurrencesAdded) {
  CalendarError error;
  EventSpec spec("open", "30 9 * * 1-5", "America/New_York");
  spec.except = {"2013-10-08"};                           // a Tuesday off
  spec.dates = {"2013-10-12 10:00", "2013-10-13T11:30"};  // a Saturday and a Sunday
  auto e = ScheduledEvent::Create(spec, &error);
  ASSERT_TRUE(e) << error.ToString();
  const std::vector<double> week = Between(*e, kMon7Oct2013, kMon7Oct2013 + kWeek);
  ASSERT_EQ(week.size(), 6u);
  EXPECT_EQ(week[0], kMon7Oct2013 + 13.5 * 3600);             // Monday
  EXPECT_EQ(week[1], kMon7Oct2013 + 2 * kDay + 13.5 * 3600);  // Wednesday: Tuesday is skipped
  EXPECT_EQ(week[4], kMon7Oct2013 + 5 * kDay + 14 * 3600);    // Saturday 10:00 EDT
  EXPECT_EQ(week[5], kMon7Oct2013 + 6 * kDay + 15.5 * 3600);  // Sunday 11:30 EDT
  // Only dates, no schedule.
  EventSpec cpi;
  cpi.name = "cpi";
  cpi.timezone = "America/New_York";
  cpi.dates = {"2013-10-09 08:30"};
  cpi.before_seconds = 120;
  ASSERT_TRUE(ScheduledEvent::Create(cpi, &error));
  EXPECT_EQ(ScheduledEvent::Create(cpi, &error)->before_seconds(), 120);
  EXPECT_EQ(Between(*ScheduledEvent::Create(cpi, &error), 0, 2e9).size(), 1u);
}

TEST(ScheduledEventTest, DatedAndExcludedErrorsNameTheItem) {
  CalendarError error;
  EventSpec spec("x", "", "UTC");
  EXPECT_FALSE(ScheduledEvent::Create(spec, &error));
  EXPECT_EQ(error.ToString(), "event \"x\": schedule: an event needs a schedule or dates");
  spec.dates = {"2013-10-09 08:30", "2013-02-30 08:30"};
  EXPECT_FALSE(ScheduledEvent::Create(spec, &error));
  EXPECT_EQ(error.field, "dates[1]");
  spec.dates = {"2013-10-09 08:30"};
  spec.except = {"2013-10-9"};
  EXPECT_FALSE(ScheduledEvent::Create(spec, &error));
  EXPECT_EQ(error.field, "except[0]");
}

TEST(EventCalendarTest, MergesTheEventsOccurrences) {
  CalendarError error;
  auto calendar = EventCalendar::Create({{"open", "30 9 * * 1-5", "America/New_York"},
                                         {"close", "0 16 * * 1-5", "America/New_York"},
                                         {"again", "30 9 * * 1", "America/New_York"}},
                                        &error);
  ASSERT_TRUE(calendar) << error.ToString();
  const std::vector<double> monday =
      calendar->OccurrencesBetween(kMon7Oct2013, kMon7Oct2013 + kDay);
  EXPECT_EQ(monday, (std::vector<double>{kMon7Oct2013 + 13.5 * 3600, kMon7Oct2013 + 20 * 3600}));
  EXPECT_FALSE(EventCalendar::Create({{"x", "0 0 * * *", "Nowhere/City"}}, &error));
  EXPECT_EQ(error.event, "x");
  EXPECT_TRUE(EventCalendar().empty());
}

TEST(EventWindowTest, Indexes) {
  EventWindow w(Event("0 12 * * *"), 60, /*before=*/2, /*after=*/3);
  const double occurrence = 12 * 3600;
  EXPECT_EQ(w.size(), 6);
  EXPECT_EQ(w.IndexAt(occurrence), 2);
  EXPECT_EQ(w.IndexAt(occurrence - 120), 0);
  EXPECT_EQ(w.IndexAt(occurrence - 180), -1);
  EXPECT_EQ(w.IndexAt(occurrence + 180), 5);
  EXPECT_EQ(w.IndexAt(occurrence + 240), -1);
  EXPECT_EQ(w.IndexAt(occurrence - 30), 2);  // an off-grid bucket that contains the occurrence
  // Far later and back again: the cache refills both ways.
  EXPECT_EQ(w.IndexAt(occurrence + 400 * kDay), 2);
  EXPECT_EQ(w.IndexAt(occurrence + 60), 3);
}

}  // namespace
}  // namespace prescale::forecasting
