// The event calendar: scheduled events (a 5-field cron schedule in an IANA time zone) and their
// occurrence times. The one calendar of prescale: the policy file is validated with it, the
// models learn event profiles with it and the decision looks ahead with it. Uses Howard
// Hinnant's date library with the system tzdata, so DST shifts are followed; the one exception
// to "no I/O" in forecasting/ is the first lookup of a time zone, which reads the tzdata files.
//
// Every class here is an immutable value once built (thread-safe to share), except EventWindow,
// which caches occurrences (copyable, not thread-safe).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "forecasting/cron_schedule.h"

namespace date {
class time_zone;
}

namespace prescale::forecasting {

// An event as a policy writes it: recurring (a cron schedule, e.g. the 09:30 open "30 9 * * 1-5")
// or dated (one-off local times, e.g. a CPI release "2026-12-10 08:30"), or both, in an IANA time
// zone; minus excluded local dates (holidays on which a recurring event does not happen); and
// the window around each occurrence in which the event matters.
struct EventSpec {
  EventSpec() = default;
  EventSpec(std::string event_name, std::string cron, std::string zone = "UTC")
      : name(std::move(event_name)), schedule(std::move(cron)), timezone(std::move(zone)) {}

  std::string name;
  std::string schedule;  // cron: minute hour day-of-month month day-of-week; "" for none
  std::string timezone = "UTC";
  std::vector<std::string> dates;   // local "YYYY-MM-DD HH:MM" (or with a T), one-off occurrences
  std::vector<std::string> except;  // local "YYYY-MM-DD" on which the schedule does not fire
  double before_seconds = 300;      // the window starts this long before an occurrence
  double after_seconds = 1800;      // and ends this long after it

  bool operator==(const EventSpec&) const = default;
};

// Why an EventSpec does not load: `field` is "schedule", "timezone", "dates[i]" or
// "except[i]".
struct CalendarError {
  std::string event;
  std::string field;
  std::string message;  // e.g. "hour: 25 is out of range 0-23"

  // `event "open": schedule: hour: 25 is out of range 0-23`
  std::string ToString() const;
};

// The IANA zone `name` of the system tzdata; nullptr and *error when it is unknown.
const date::time_zone* LocateTimeZone(const std::string& name, std::string* error);

// Local "YYYY-MM-DD HH:MM" (or "YYYY-MM-DDTHH:MM", optionally ":SS") as seconds since the local
// epoch; nullopt and *error on anything else.
std::optional<int64_t> ParseLocalDateTime(std::string_view text, std::string* error);
// Local "YYYY-MM-DD" as days since the local epoch; nullopt and *error on anything else.
std::optional<int64_t> ParseLocalDate(std::string_view text, std::string* error);

// The calendar's span: Unix seconds within +-3e11 (about the years -7500 to 11400, every date a
// policy can write included). No event occurs outside it.
inline constexpr double kCalendarLimitSeconds = 3e11;

// One event: a schedule in a time zone.
class ScheduledEvent {
 public:
  // nullopt and *error when the schedule does not parse (CronSchedule::Parse), the zone is
  // unknown (LocateTimeZone), a date does not parse, the event has neither a schedule nor dates,
  // or the window is negative; an empty zone is UTC.
  static std::optional<ScheduledEvent> Create(const EventSpec& spec, CalendarError* error);

  const std::string& name() const { return name_; }
  double before_seconds() const { return before_; }
  double after_seconds() const { return after_; }

  // Appends to *out the occurrences (Unix seconds) in [t0, t1] (any doubles; only the part
  // within +-kCalendarLimitSeconds can hold occurrences), sorted and unique. A local time
  // skipped by a DST change fires at the transition (the instant after the gap); a repeated one
  // fires once, the first time. The schedule does not fire on excluded dates; dated occurrences
  // always do.
  void OccurrencesBetween(double t0, double t1, std::vector<double>* out) const;

 private:
  ScheduledEvent() = default;

  std::string name_;
  std::optional<CronSchedule> schedule_;
  const date::time_zone* zone_ = nullptr;  // owned by the tz database, never freed
  std::vector<double> dated_;              // Unix seconds, sorted
  std::vector<int64_t> excluded_days_;     // local days since the epoch, sorted
  double before_ = 300, after_ = 1800;
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
  // This calendar plus `more`.
  EventCalendar With(const std::vector<ScheduledEvent>& more) const;

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
