// The event calendar: scheduled events (a 5-field cron schedule in an IANA time zone) and their
// occurrence times. The one calendar of prescale: the policy file is validated with it, the
// models learn event profiles with it and the decision looks ahead with it. Uses Howard
// Hinnant's date library with the system tzdata, so DST shifts are followed; the one exception
// to "no I/O" in forecasting/ is the first lookup of a time zone, which reads the tzdata files.
//
// Every class here is an immutable value once built (thread-safe to share), except EventWindow,
// which caches occurrences (copyable, not thread-safe).
#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace date {
class time_zone;
}

namespace prescale::forecasting {

// A scheduled event as a policy writes it, e.g. {"us_equities_open", "30 9 * * 1-5",
// "America/New_York"}.
struct EventSpec {
  std::string name;
  std::string schedule;  // cron: minute hour day-of-month month day-of-week
  std::string timezone = "UTC";

  bool operator==(const EventSpec&) const = default;
};

// Why an EventSpec does not load: `field` is "schedule" or "timezone".
struct CalendarError {
  std::string event;
  std::string field;
  std::string message;  // e.g. "hour: 25 is out of range 0-23"

  // `event "open": schedule: hour: 25 is out of range 0-23`
  std::string ToString() const;
};

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

// The IANA zone `name` of the system tzdata; nullptr and *error when it is unknown.
const date::time_zone* LocateTimeZone(const std::string& name, std::string* error);

// One event: a schedule in a time zone.
class ScheduledEvent {
 public:
  // nullopt and *error when the schedule does not parse (CronSchedule::Parse) or the zone is
  // unknown (LocateTimeZone); an empty zone is UTC.
  static std::optional<ScheduledEvent> Create(const EventSpec& spec, CalendarError* error);

  const std::string& name() const { return name_; }

  // Appends to *out the occurrences (Unix seconds) in [t0, t1], sorted and unique. A local time
  // skipped by a DST change fires at the transition (the instant after the gap); a repeated one
  // fires once, the first time.
  void OccurrencesBetween(double t0, double t1, std::vector<double>* out) const;

 private:
  ScheduledEvent(std::string name, CronSchedule schedule, const date::time_zone* zone)
      : name_(std::move(name)), schedule_(schedule), zone_(zone) {}

  std::string name_;
  CronSchedule schedule_;
  const date::time_zone* zone_;  // owned by the date library's tz database, never freed
};

// The events of one policy.
class EventCalendar {
 public:
  EventCalendar() = default;  // no events
  // nullopt and *error (naming the first bad event) if any event does not load.
  static std::optional<EventCalendar> Create(const std::vector<EventSpec>& events,
                                             CalendarError* error);

  bool empty() const { return events_.empty(); }
  const std::vector<ScheduledEvent>& events() const { return events_; }

  // Every occurrence of any event in [t0, t1], sorted, without duplicates.
  std::vector<double> OccurrencesBetween(double t0, double t1) const;

 private:
  std::vector<ScheduledEvent> events_;
};

// Answers "which bucket of the window around an occurrence is time t in?" for times that mostly
// move forward. Keeps a cache of occurrences, extended a week at a time (amortised O(1) per
// forward step). Not thread-safe; copyable.
class EventWindow {
 public:
  EventWindow(ScheduledEvent event, double step_seconds, int before, int after);

  // Offset index in [0, size()) of the bucket starting at `t` relative to the nearest
  // occurrence (index `before` is the bucket containing the occurrence), or -1 if none.
  int IndexAt(double t);
  int size() const { return before_ + after_ + 1; }

 private:
  void Refill(double t);

  ScheduledEvent event_;
  double step_;
  int before_, after_;
  std::vector<double> cache_;
  double cache_from_ = 1, cache_to_ = 0;  // empty range
};

}  // namespace prescale::forecasting
