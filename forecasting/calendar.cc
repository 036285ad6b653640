#include "forecasting/calendar.h"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace prescale::forecasting {
const date::time_zone* LocateTimeZone(const std::string& name, std::string* error) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    *error = "unknown time zone '" + name + "' (not in the system tzdata)";
    return nullptr;
  }
}

std::string CalendarError::ToString() const {
  return "event \"" + event + "\": " + field + ": " + message;
}

namespace {

// Digits of `text` at [at, at + n) as a number, or -1.
int Digits(std::string_view text, size_t at, size_t n) {
  if (at + n > text.size()) return -1;
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

std::optional<date::local_days> ParseDay(std::string_view text) {
  if (text.size() < 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const int y = Digits(text, 0, 4), m = Digits(text, 5, 2), d = Digits(text, 8, 2);
  if (y < 0 || m < 0 || d < 0) return std::nullopt;
  const date::year_month_day ymd{date::year(y), date::month(static_cast<unsigned>(m)),
                                 date::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return std::nullopt;
  return date::local_days(ymd);
}

date::sys_seconds ToSys(const date::time_zone* zone, date::local_seconds local) {
  return zone->to_sys(local, date::choose::earliest);
}

}  // namespace

std::optional<int64_t> ParseLocalDate(std::string_view text, std::string* error) {
  const std::optional<date::local_days> day = text.size() == 10 ? ParseDay(text) : std::nullopt;
  if (!day) {
    *error = "'" + std::string(text) + "' is not a date YYYY-MM-DD";
    return std::nullopt;
  }
  return day->time_since_epoch().count();
}

std::optional<int64_t> ParseLocalDateTime(std::string_view text, std::string* error) {
  *error = "'" + std::string(text) + "' is not a local date and time YYYY-MM-DD HH:MM";
  const std::optional<date::local_days> day = ParseDay(text);
  if (!day || (text.size() != 16 && text.size() != 19) || (text[10] != ' ' && text[10] != 'T') ||
      text[13] != ':' || (text.size() == 19 && text[16] != ':'))
    return std::nullopt;
  const int h = Digits(text, 11, 2), m = Digits(text, 14, 2);
  const int sec = text.size() == 19 ? Digits(text, 17, 2) : 0;
  if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59) return std::nullopt;
  error->clear();
  return std::chrono::duration_cast<std::chrono::seconds>(day->time_since_epoch()).count() +
         h * 3600 + m * 60 + sec;
}

std::optional<ScheduledEvent> ScheduledEvent::Create(const EventSpec& spec, CalendarError* error) {
  ScheduledEvent event;
  event.name_ = spec.name;
  std::string why;
  event.zone_ = LocateTimeZone(spec.timezone.empty() ? "UTC" : spec.timezone, &why);
  if (event.zone_ == nullptr) {
    *error = {spec.name, "timezone", why};
    return std::nullopt;
  }
  if (!spec.schedule.empty()) {
    event.schedule_ = CronSchedule::Parse(spec.schedule, &why);
    if (!event.schedule_) {
      *error = {spec.name, "schedule", why};
      return std::nullopt;
    }
  } else if (spec.dates.empty()) {
    *error = {spec.name, "schedule", "an event needs a schedule or dates"};
    return std::nullopt;
  }
  for (size_t i = 0; i < spec.dates.size(); ++i) {
    const std::optional<int64_t> local = ParseLocalDateTime(spec.dates[i], &why);
    if (!local) {
      *error = {spec.name, "dates[" + std::to_string(i) + "]", why};
      return std::nullopt;
    }
    const date::local_seconds at{std::chrono::seconds(*local)};
    event.dated_.push_back(static_cast<double>(ToSys(event.zone_, at).time_since_epoch().count()));
  }
  for (size_t i = 0; i < spec.except.size(); ++i) {
    const std::optional<int64_t> day = ParseLocalDate(spec.except[i], &why);
    if (!day) {
      *error = {spec.name, "except[" + std::to_string(i) + "]", why};
      return std::nullopt;
    }
    event.excluded_days_.push_back(*day);
  }
  if (!(spec.before_seconds >= 0 && spec.after_seconds >= 0)) {
    *error = {spec.name, "window", "before and after must not be negative"};
    return std::nullopt;
  }
  std::sort(event.dated_.begin(), event.dated_.end());
  std::sort(event.excluded_days_.begin(), event.excluded_days_.end());
  event.before_ = spec.before_seconds;
  event.after_ = spec.after_seconds;
  return event;
}

void ScheduledEvent::OccurrencesBetween(double t0, double t1, std::vector<double>* out) const {
  using namespace std::chrono;
  if (!(t1 >= t0)) return;
  // Nothing occurs outside the calendar's years; clamping first also keeps the conversions to
  // integer seconds below defined for any double (1e19 does not fit in a long long).
  t0 = std::max(t0, -kCalendarLimitSeconds);
  t1 = std::min(t1, kCalendarLimitSeconds);
  if (!(t1 >= t0)) return;
  const size_t first_new = out->size();
  for (auto it = std::lower_bound(dated_.begin(), dated_.end(), t0);
       it != dated_.end() && *it <= t1; ++it)
    out->push_back(*it);
  if (schedule_) {
    const auto sys0 = date::sys_seconds(seconds(static_cast<long long>(std::floor(t0))));
    const auto sys1 = date::sys_seconds(seconds(static_cast<long long>(std::ceil(t1))));
    // Local days overlapping [t0, t1], with a day of margin for the zone's offset.
    const auto day0 = date::floor<date::days>(zone_->to_local(sys0)) - date::days(1);
    const auto day1 = date::floor<date::days>(zone_->to_local(sys1)) + date::days(1);
    for (auto day = day0; day <= day1; day += date::days(1)) {
      const date::year_month_day ymd(day);
      const date::weekday wd(day);
      if (!schedule_->MatchesDay(static_cast<unsigned>(ymd.day()),
                                 static_cast<unsigned>(ymd.month()), wd.c_encoding()))
        continue;
      if (std::binary_search(excluded_days_.begin(), excluded_days_.end(),
                             day.time_since_epoch().count()))
        continue;
      for (unsigned h = 0; h < 24; ++h) {
        for (unsigned m = 0; m < 60; ++m) {
          if (!schedule_->MatchesTime(h, m)) continue;
          const auto sys = ToSys(zone_, day + hours(h) + minutes(m));
          const double t = static_cast<double>(sys.time_since_epoch().count());
          if (t >= t0 && t <= t1) out->push_back(t);
        }
      }
    }
  }
  std::sort(out->begin() + static_cast<long>(first_new), out->end());
  out->erase(std::unique(out->begin() + static_cast<long>(first_new), out->end()), out->end());
}

std::optional<EventCalendar> EventCalendar::Create(const std::vector<EventSpec>& events,
                                                   CalendarError* error) {
  EventCalendar calendar;
  for (const EventSpec& spec : events) {
    std::optional<ScheduledEvent> event = ScheduledEvent::Create(spec, error);
    if (!event) return std::nullopt;
    calendar.events_.push_back(std::move(*event));
  }
  return calendar;
}

EventCalendar EventCalendar::With(const std::vector<ScheduledEvent>& more) const {
  EventCalendar calendar = *this;
  calendar.events_.insert(calendar.events_.end(), more.begin(), more.end());
  return calendar;
}

std::vector<double> EventCalendar::OccurrencesBetween(double t0, double t1) const {
  std::vector<double> out;
  for (const ScheduledEvent& e : events_) e.OccurrencesBetween(t0, t1, &out);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

EventWindow::EventWindow(ScheduledEvent event, double step_seconds, int before, int after)
    : event_(std::move(event)), step_(step_seconds), before_(before), after_(after) {}

void EventWindow::Refill(double t) {
  constexpr double kChunk = 7 * 86400.0;
  const double margin = (before_ + after_ + 2) * step_;
  cache_.clear();
  cache_from_ = t - margin - 86400.0;
  cache_to_ = t + margin + kChunk;
  event_.OccurrencesBetween(cache_from_, cache_to_, &cache_);
}

int EventWindow::IndexAt(double t) {
  const double margin = (before_ + after_ + 2) * step_;
  if (t - margin < cache_from_ || t + margin > cache_to_) Refill(t);
  // The bucket [t, t + step) holds occurrence o when t <= o < t + step: offset 0, index `before`.
  auto it = std::lower_bound(cache_.begin(), cache_.end(), t - (after_ + 1) * step_);
  for (; it != cache_.end() && *it <= t + (before_ + 1) * step_; ++it) {
    const long offset = std::lround(std::ceil((t - *it) / step_ - 1e-9));
    if (offset >= -before_ && offset <= after_) return static_cast<int>(offset + before_);
  }
  return -1;
}

}  // namespace prescale::forecasting
