// Calendar events of a policy: cron schedules (minute hour day-of-month month day-of-week) in
// IANA time zones, read from the system tzdata through Howard Hinnant's date library. Both
// classes are immutable after construction and safe to share between threads.
#pragma once

#include <bitset>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policies/policy.h"

namespace date {
class time_zone;
}

namespace prescale::policies {

// Vixie-cron syntax per field: `*`, `N`, `N-M`, lists `a,b`, steps `*/S` and `N-M/S`; month and
// day-of-week also take names (jan, mon); day-of-week 0 and 7 are Sunday. When both
// day-of-month and day-of-week are restricted, a day matching either matches (as cron does).
class CronSchedule {
 public:
  // nullopt and *error (e.g. "hour: 25 is out of range 0-23") on malformed text.
  static std::optional<CronSchedule> Parse(std::string_view text, std::string* error);

  bool MatchesDay(unsigned day_of_month, unsigned month, unsigned day_of_week) const;
  bool MatchesTime(unsigned hour, unsigned minute) const;

 private:
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_of_month_;
  std::bitset<13> months_;
  std::bitset<7> days_of_week_;
  bool day_of_month_restricted_ = false;
  bool day_of_week_restricted_ = false;
};

// Looks up an IANA zone name; nullptr and *error when the system tzdata does not know it.
const date::time_zone* FindTimeZone(const std::string& name, std::string* error);

// The occurrences of a set of calendar events, in Unix seconds.
class EventCalendar {
 public:
  EventCalendar() = default;  // no events
  // nullopt and *error (naming the event) if a schedule or time zone is invalid.
  static std::optional<EventCalendar> Create(const std::vector<CalendarEvent>& events,
                                             std::string* error);

  bool empty() const { return entries_.empty(); }

  // Every occurrence of any event in [from, to), sorted, without duplicates. A local time
  // skipped by a DST change fires at the transition; a repeated one fires once (the first).
  std::vector<int64_t> Occurrences(int64_t from, int64_t to) const;

  // The first occurrence in [from, from + horizon], if any.
  std::optional<int64_t> NextWithin(int64_t from, int64_t horizon) const;

 private:
  struct Entry {
    std::string name;
    CronSchedule schedule;
    const date::time_zone* zone;
  };
  std::vector<Entry> entries_;
};

}  // namespace prescale::policies
