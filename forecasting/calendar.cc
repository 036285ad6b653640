#include "forecasting/calendar.h"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

namespace prescale::forecasting {
namespace {

bool ParseInt(std::string_view s, int* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

// Parses one cron field (`*`, `a`, `a-b`, `*/n`, `a-b/n`, comma lists) into bits lo..hi.
template <size_t N>
bool ParseField(std::string_view field, int lo, int hi, std::bitset<N>* bits, bool* star) {
  *star = field == "*";
  while (!field.empty()) {
    const size_t comma = field.find(',');
    std::string_view item = field.substr(0, comma);
    field = comma == std::string_view::npos ? std::string_view() : field.substr(comma + 1);
    int step = 1, first = lo, last = hi;
    if (const size_t slash = item.find('/'); slash != std::string_view::npos) {
      if (!ParseInt(item.substr(slash + 1), &step) || step <= 0) return false;
      item = item.substr(0, slash);
    }
    if (item != "*") {
      const size_t dash = item.find('-');
      if (dash == std::string_view::npos) {
        if (!ParseInt(item, &first)) return false;
        last = step > 1 ? hi : first;
      } else if (!ParseInt(item.substr(0, dash), &first) ||
                 !ParseInt(item.substr(dash + 1), &last)) {
        return false;
      }
    }
    if (first < lo || last > hi || first > last) return false;
    for (int v = first; v <= last; v += step) bits->set(static_cast<size_t>(v));
  }
  return bits->any();
}

}  // namespace

std::optional<CronSchedule> CronSchedule::Parse(const EventSpec& spec, std::string* error) {
  const std::string where = "event \"" + spec.name + "\": ";
  std::istringstream in(spec.schedule);
  std::vector<std::string> fields;
  for (std::string f; in >> f;) fields.push_back(f);
  if (fields.size() != 5) {
    *error = where +
             "schedule: expected 5 cron fields (minute hour day-of-month month "
             "day-of-week), got \"" +
             spec.schedule + "\"";
    return std::nullopt;
  }
  CronSchedule s;
  bool star = false;
  std::bitset<8> dow;
  const bool ok = ParseField(fields[0], 0, 59, &s.minutes_, &star) &&
                  ParseField(fields[1], 0, 23, &s.hours_, &star) &&
                  ParseField(fields[2], 1, 31, &s.days_of_month_, &s.any_day_of_month_) &&
                  ParseField(fields[3], 1, 12, &s.months_, &star) &&
                  ParseField(fields[4], 0, 7, &dow, &s.any_day_of_week_);
  if (!ok) {
    *error = where + "schedule: cannot parse \"" + spec.schedule + "\"";
    return std::nullopt;
  }
  s.days_of_week_ = dow;
  if (dow[7]) s.days_of_week_.set(0);
  try {
    s.zone_ = date::locate_zone(spec.timezone.empty() ? "UTC" : spec.timezone);
  } catch (const std::exception&) {
    *error = where + "timezone: unknown IANA time zone \"" + spec.timezone + "\"";
    return std::nullopt;
  }
  return s;
}

void CronSchedule::OccurrencesBetween(double t0, double t1, std::vector<double>* out) const {
  using namespace std::chrono;
  if (!(t1 >= t0)) return;
  const size_t first_new = out->size();
  const auto sys0 = date::sys_seconds(seconds(static_cast<long long>(std::floor(t0))));
  const auto sys1 = date::sys_seconds(seconds(static_cast<long long>(std::ceil(t1))));
  const auto day0 = date::floor<date::days>(zone_->to_local(sys0)) - date::days(1);
  const auto day1 = date::floor<date::days>(zone_->to_local(sys1)) + date::days(1);
  for (auto day = day0; day <= day1; day += date::days(1)) {
    const date::year_month_day ymd(day);
    const date::weekday wd(day);
    if (!months_[static_cast<unsigned>(ymd.month())]) continue;
    const bool dom_ok = days_of_month_[static_cast<unsigned>(ymd.day())];
    const bool dow_ok = days_of_week_[wd.c_encoding()];
    // Vixie cron: when both day fields are restricted, either may match.
    const bool day_ok =
        any_day_of_month_ || any_day_of_week_ ? (dom_ok && dow_ok) : (dom_ok || dow_ok);
    if (!day_ok) continue;
    for (int h = 0; h < 24; ++h) {
      if (!hours_[h]) continue;
      for (int m = 0; m < 60; ++m) {
        if (!minutes_[m]) continue;
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

EventWindow::EventWindow(CronSchedule schedule, double step_seconds, int before, int after)
    : schedule_(std::move(schedule)), step_(step_seconds), before_(before), after_(after) {}

void EventWindow::Refill(double t) {
  constexpr double kChunk = 7 * 86400.0;
  const double margin = (before_ + after_ + 2) * step_;
  cache_.clear();
  cache_from_ = t - margin - 86400.0;
  cache_to_ = t + margin + kChunk;
  schedule_.OccurrencesBetween(cache_from_, cache_to_, &cache_);
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
