// Scheduled events: a 5-field cron schedule in an IANA time zone, expanded to occurrence times.
// Uses Howard Hinnant's date library with the system tzdata, so DST shifts are followed. The one
// exception to "no I/O" in forecasting/: the first lookup of a time zone reads the tzdata files.
#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <vector>

#include "forecasting/model.h"

namespace date {
class time_zone;
}

namespace prescale::forecasting {

// An immutable parsed schedule. Thread-safe (const).
class CronSchedule {
 public:
  // Parses `spec`; on error returns nullopt and sets *error to a message naming the field.
  static std::optional<CronSchedule> Parse(const EventSpec& spec, std::string* error);

  // Appends to *out the occurrences (Unix seconds) in [t0, t1], sorted and unique. Local times
  // skipped by a DST change map to the instant after the gap; repeated ones to the first.
  void OccurrencesBetween(double t0, double t1, std::vector<double>* out) const;

 private:
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_of_month_;
  std::bitset<13> months_;
  std::bitset<8> days_of_week_;  // 0 = Sunday
  bool any_day_of_month_ = true;
  bool any_day_of_week_ = true;
  const date::time_zone* zone_ = nullptr;
};

// Answers "which bucket of the window around an occurrence is time t in?" for times that mostly
// move forward. Keeps a cache of occurrences, extended a week at a time (amortised O(1) per
// forward step). Not thread-safe; copyable.
class EventWindow {
 public:
  EventWindow(CronSchedule schedule, double step_seconds, int before, int after);

  // Offset index in [0, size()) of the bucket starting at `t` relative to the nearest
  // occurrence (index `before` is the bucket containing the occurrence), or -1 if none.
  int IndexAt(double t);
  int size() const { return before_ + after_ + 1; }

 private:
  void Refill(double t);

  CronSchedule schedule_;
  double step_;
  int before_, after_;
  std::vector<double> cache_;
  double cache_from_ = 1, cache_to_ = 0;  // empty range
};

}  // namespace prescale::forecasting
