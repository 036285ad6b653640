#include "forecasting/calendar.h"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace prescale::forecasting {
namespace {

struct FieldSpec {
  const char* name;
  int min;
  int max;
  const char* const* names;  // optional names for values min..; nullptr if none
};

constexpr const char* kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",  "jul",
                                       "aug", "sep", "oct", "nov", "dec", nullptr};
constexpr const char* kDayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", nullptr};

constexpr FieldSpec kFields[] = {{"minute", 0, 59, nullptr},
                                 {"hour", 0, 23, nullptr},
                                 {"day-of-month", 1, 31, nullptr},
                                 {"month", 1, 12, kMonthNames},
                                 {"day-of-week", 0, 7, kDayNames}};

bool ParseValue(std::string_view text, const FieldSpec& spec, int* out, std::string* error) {
  if (spec.names != nullptr && text.size() == 3) {
    std::string lower(text);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (int i = 0; spec.names[i] != nullptr; ++i) {
      if (lower == spec.names[i]) {
        *out = spec.min + i;
        return true;
      }
    }
  }
  int v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    *error = std::string(spec.name) + ": '" + std::string(text) + "' is not a number";
    return false;
  }
  if (v < spec.min || v > spec.max) {
    *error = std::string(spec.name) + ": " + std::to_string(v) + " is out of range " +
             std::to_string(spec.min) + "-" + std::to_string(spec.max);
    return false;
  }
  *out = v;
  return true;
}

// One comma-separated item: `*`, `N`, `N-M`, each optionally `/STEP`.
bool ParseItem(std::string_view item, const FieldSpec& spec, std::vector<bool>* set,
               std::string* error) {
  int step = 1;
  if (const size_t slash = item.find('/'); slash != std::string_view::npos) {
    const std::string_view s = item.substr(slash + 1);
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), step);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty() || step <= 0) {
      *error = std::string(spec.name) + ": step '" + std::string(s) + "' must be a positive number";
      return false;
    }
    item = item.substr(0, slash);
  }
  int lo = spec.min, hi = spec.max;
  if (item != "*") {
    const size_t dash = item.find('-');
    if (!ParseValue(item.substr(0, dash), spec, &lo, error)) return false;
    hi = lo;
    if (dash != std::string_view::npos && !ParseValue(item.substr(dash + 1), spec, &hi, error))
      return false;
    if (hi < lo) {
      *error = std::string(spec.name) + ": range " + std::string(item) + " is backwards";
      return false;
    }
    if (dash == std::string_view::npos && step != 1) hi = spec.max;  // `N/S` means N-max/S
  }
  for (int v = lo; v <= hi; v += step) (*set)[v] = true;
  return true;
}

bool ParseField(std::string_view text, const FieldSpec& spec, std::vector<bool>* set,
                std::string* error) {
  set->assign(spec.max + 1, false);
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    const std::string_view item = text.substr(start, comma - start);
    if (item.empty()) {
      *error = std::string(spec.name) + ": empty list item";
      return false;
    }
    if (!ParseItem(item, spec, set, error)) return false;
    if (comma == std::string_view::npos) return true;
    start = comma + 1;
  }
}

template <size_t N>
std::bitset<N> ToBits(const std::vector<bool>& v) {
  std::bitset<N> bits;
  for (size_t i = 0; i < N && i < v.size(); ++i) bits[i] = v[i];
  return bits;
}

}  // namespace

std::optional<CronSchedule> CronSchedule::Parse(std::string_view text, std::string* error) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    const size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) fields.push_back(text.substr(start, i - start));
  }
  if (fields.size() != 5) {
    *error = "must have 5 fields (minute hour day-of-month month day-of-week), found " +
             std::to_string(fields.size());
    return std::nullopt;
  }
  std::vector<bool> sets[5];
  for (int f = 0; f < 5; ++f) {
    if (!ParseField(fields[f], kFields[f], &sets[f], error)) return std::nullopt;
  }
  CronSchedule s;
  s.minutes_ = ToBits<60>(sets[0]);
  s.hours_ = ToBits<24>(sets[1]);
  s.days_of_month_ = ToBits<32>(sets[2]);
  s.months_ = ToBits<13>(sets[3]);
  s.days_of_week_ = ToBits<7>(sets[4]);
  if (sets[4][7]) s.days_of_week_[0] = true;  // 7 is Sunday too
  s.day_of_month_restricted_ = fields[2][0] != '*';
  s.day_of_week_restricted_ = fields[4][0] != '*';
  return s;
}

bool CronSchedule::MatchesDay(unsigned day_of_month, unsigned month, unsigned day_of_week) const {
  if (!months_[month]) return false;
  const bool dom = days_of_month_[day_of_month];
  const bool dow = days_of_week_[day_of_week];
  if (day_of_month_restricted_ && day_of_week_restricted_) return dom || dow;
  return dom && dow;
}

bool CronSchedule::MatchesTime(unsigned hour, unsigned minute) const {
  return hours_[hour] && minutes_[minute];
}

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

std::optional<ScheduledEvent> ScheduledEvent::Create(const EventSpec& spec, CalendarError* error) {
  std::string why;
  std::optional<CronSchedule> schedule = CronSchedule::Parse(spec.schedule, &why);
  if (!schedule) {
    *error = {spec.name, "schedule", why};
    return std::nullopt;
  }
  const date::time_zone* zone = LocateTimeZone(spec.timezone.empty() ? "UTC" : spec.timezone, &why);
  if (zone == nullptr) {
    *error = {spec.name, "timezone", why};
    return std::nullopt;
  }
  return ScheduledEvent(spec.name, *schedule, zone);
}

void ScheduledEvent::OccurrencesBetween(double t0, double t1, std::vector<double>* out) const {
  using namespace std::chrono;
  if (!(t1 >= t0)) return;
  const size_t first_new = out->size();
  const auto sys0 = date::sys_seconds(seconds(static_cast<long long>(std::floor(t0))));
  const auto sys1 = date::sys_seconds(seconds(static_cast<long long>(std::ceil(t1))));
  // Local days overlapping [t0, t1], with a day of margin for the zone's offset.
  const auto day0 = date::floor<date::days>(zone_->to_local(sys0)) - date::days(1);
  const auto day1 = date::floor<date::days>(zone_->to_local(sys1)) + date::days(1);
  for (auto day = day0; day <= day1; day += date::days(1)) {
    const date::year_month_day ymd(day);
    const date::weekday wd(day);
    if (!schedule_.MatchesDay(static_cast<unsigned>(ymd.day()), static_cast<unsigned>(ymd.month()),
                              wd.c_encoding()))
      continue;
    for (unsigned h = 0; h < 24; ++h) {
      for (unsigned m = 0; m < 60; ++m) {
        if (!schedule_.MatchesTime(h, m)) continue;
        const auto local = day + hours(h) + minutes(m);
        const auto sys = zone_->to_sys(local, date::choose::earliest);
        const double t = static_cast<double>(sys.time_since_epoch().count());
        if (t >= t0 && t <= t1) out->push_back(t);
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
