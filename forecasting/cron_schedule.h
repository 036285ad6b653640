// Cron schedules: the five fields minute hour day-of-month month day-of-week, matched against a
// local date and time (the calendar puts them in a time zone). Immutable values, thread-safe.
#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <string_view>

namespace prescale::forecasting {

// Vixie-cron syntax per field: `*`, `N`, `N-M`, lists `a,b`, steps `*/S`, `N/S` and `N-M/S`;
// month and day-of-week also take English names (jan, Mon); day-of-week 0 and 7 are Sunday.
// When both day-of-month and day-of-week are restricted (neither starts with `*`), a day
// matching either matches, as in Vixie cron; otherwise a day must match both.
class CronSchedule {
 public:
  // nullopt and *error naming the field (e.g. "hour: 25 is out of range 0-23") on bad text.
  static std::optional<CronSchedule> Parse(std::string_view text, std::string* error);

  // day_of_week 0 = Sunday; month 1-12.
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

}  // namespace prescale::forecasting
