// Fuzzes the event calendar: CronSchedule::Parse and matching, ParseLocalDate(Time), and
// ScheduledEvent (a schedule in an IANA time zone, dated occurrences, excluded dates) with its
// OccurrencesBetween, which the models and the decision call on every forecast.
//
// Input, one field per line: the cron schedule; the time zone; "T0 SPAN" (Unix seconds and a
// span in seconds, at most 2 days; defaults 1767225600 and 86400); then any number of lines,
// each a dated occurrence "YYYY-MM-DD HH:MM" or, prefixed "x ", an excluded date "YYYY-MM-DD".
// Invariants:
// - nothing throws; parses are deterministic; a rejection carries a message;
// - a schedule matches the same minutes and days with its fields re-spaced and re-cased;
// - a parsed local date (time) printed back parses to the same value;
// - occurrences in [t0, t1] are sorted, unique, inside the range, and additive over a split
//   of the range;
// - each occurrence is a dated one, or the schedule matches its local time on a day that is
//   not excluded, or it is the instant a DST gap ends (the skipped local time fires there);
// - conversely, each instant of the range whose whole-minute local time the schedule matches
//   (on a day not excluded) is an occurrence, unless it is the second pass of a repeated
//   local time (which fires once, the first time).
#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <string>
#include <vector>

#include "forecasting/calendar.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace prescale::forecasting;
using prescale::fuzz::Printable;

std::string Trimmed(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) s.remove_suffix(1);
  return std::string(s);
}

bool SameMatches(const CronSchedule& a, const CronSchedule& b) {
  for (unsigned h = 0; h < 24; ++h)
    for (unsigned m = 0; m < 60; ++m)
      if (a.MatchesTime(h, m) != b.MatchesTime(h, m)) return false;
  for (unsigned month = 1; month <= 12; ++month)
    for (unsigned d = 1; d <= 31; ++d)
      for (unsigned w = 0; w < 7; ++w)
        if (a.MatchesDay(d, month, w) != b.MatchesDay(d, month, w)) return false;
  return true;
}

std::optional<CronSchedule> CheckSchedule(const std::string& text) {
  std::string error;
  std::optional<CronSchedule> s = CronSchedule::Parse(text, &error);
  std::string error2;
  const std::optional<CronSchedule> again = CronSchedule::Parse(text, &error2);
  FUZZ_CHECK(s.has_value() == again.has_value() && error == error2, "Parse not deterministic");
  if (!s) {
    FUZZ_CHECK(!error.empty(), "schedule rejected without a message: " + Printable(text));
    return s;
  }
  FUZZ_CHECK(SameMatches(*s, *again), "two parses match differently");
  // Re-spaced (single spaces between fields) and re-cased (names are case-insensitive).
  std::string respaced, swapped;
  bool gap = true;
  for (const char c : text) {
    if (c == ' ' || c == '\t') {
      gap = true;
      continue;
    }
    if (gap && !respaced.empty()) respaced += ' ';
    gap = false;
    respaced += c;
  }
  for (const char c : respaced)
    swapped += std::islower(static_cast<unsigned char>(c))
                   ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                   : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const std::string& variant : {respaced, swapped}) {
    const std::optional<CronSchedule> v = CronSchedule::Parse(variant, &error);
    FUZZ_CHECK(v && SameMatches(*s, *v),
               "schedule " + Printable(text) + " differs from " + Printable(variant));
  }
  return s;
}

void CheckDateLine(std::string_view line) {
  std::string error = "unchanged";
  if (const std::optional<int64_t> t = ParseLocalDateTime(line, &error)) {
    FUZZ_CHECK(error.empty(), "an accepted date-time left an error");
    const date::local_seconds local{std::chrono::seconds(*t)};
    const std::string back = date::format("%Y-%m-%d %H:%M:%S", local);
    std::string error2;
    FUZZ_CHECK(ParseLocalDateTime(back, &error2) == t,
               Printable(line) + " printed as " + back + " does not parse back");
  } else {
    FUZZ_CHECK(!error.empty(), "a rejected date-time without a message");
  }
  error = "unchanged";
  if (const std::optional<int64_t> d = ParseLocalDate(line, &error)) {
    const date::local_days day{date::days(*d)};
    const std::string back = date::format("%Y-%m-%d", day);
    std::string error2;
    FUZZ_CHECK(ParseLocalDate(back, &error2) == d,
               Printable(line) + " printed as " + back + " does not parse back");
  } else {
    FUZZ_CHECK(!error.empty(), "a rejected date without a message");
  }
}

std::vector<double> Between(const ScheduledEvent& e, double t0, double t1) {
  std::vector<double> out;
  e.OccurrencesBetween(t0, t1, &out);
  return out;
}

void CheckOccurrences(const ScheduledEvent& event, const EventSpec& spec,
                      const std::optional<CronSchedule>& schedule, double t0, double t1) {
  const std::vector<double> occ = Between(event, t0, t1);
  FUZZ_CHECK(std::adjacent_find(occ.begin(), occ.end(), std::greater_equal<>()) == occ.end(),
             "occurrences not sorted and unique");
  for (const double t : occ) FUZZ_CHECK(t >= t0 && t <= t1, "an occurrence outside the range");
  const double mid = std::floor((t0 + t1) / 2);
  if (mid >= t0 && mid <= t1) {
    std::vector<double> joined = Between(event, t0, mid);
    const std::vector<double> right = Between(event, mid, t1);
    joined.insert(joined.end(), right.begin(), right.end());
    joined.erase(std::unique(joined.begin(), joined.end()), joined.end());
    FUZZ_CHECK(joined == occ, "occurrences are not additive over a split of the range");
  }
  if (!(std::fabs(t0) < 1e11 && std::fabs(t1) < 1e11)) return;  // beyond year 5000: no oracle

  std::string why;
  const date::time_zone* zone = LocateTimeZone(spec.timezone.empty() ? "UTC" : spec.timezone, &why);
  std::vector<double> dated;
  for (const std::string& d : spec.dates) {
    const date::local_seconds local{std::chrono::seconds(*ParseLocalDateTime(d, &why))};
    dated.push_back(static_cast<double>(
        zone->to_sys(local, date::choose::earliest).time_since_epoch().count()));
  }
  std::vector<int64_t> excluded;
  for (const std::string& d : spec.except) excluded.push_back(*ParseLocalDate(d, &why));
  const auto fires_at = [&](date::sys_seconds sys) {
    const date::local_seconds local = zone->to_local(sys);
    const date::local_days day = date::floor<date::days>(local);
    const date::year_month_day ymd(day);
    const date::hh_mm_ss<std::chrono::seconds> hms(local - day);
    return schedule && hms.seconds().count() == 0 &&
           schedule->MatchesDay(static_cast<unsigned>(ymd.day()),
                                static_cast<unsigned>(ymd.month()),
                                date::weekday(day).c_encoding()) &&
           schedule->MatchesTime(static_cast<unsigned>(hms.hours().count()),
                                 static_cast<unsigned>(hms.minutes().count())) &&
           std::find(excluded.begin(), excluded.end(), day.time_since_epoch().count()) ==
               excluded.end();
  };
  for (const double t : occ) {
    const date::sys_seconds sys{std::chrono::seconds(static_cast<int64_t>(t))};
    const bool is_dated = std::find(dated.begin(), dated.end(), t) != dated.end();
    const bool gap_end = zone->get_info(sys).begin == sys;
    FUZZ_CHECK(t == std::floor(t) && (is_dated || fires_at(sys) || gap_end),
               "occurrence " + std::to_string(t) + " is neither dated nor scheduled");
  }
  // Completeness, minute by minute where the zone's offset is whole minutes.
  for (double t = std::ceil(t0 / 60) * 60; t <= t1; t += 60) {
    const date::sys_seconds sys{std::chrono::seconds(static_cast<int64_t>(t))};
    if (zone->get_info(sys).offset.count() % 60 != 0 || !fires_at(sys)) continue;
    const date::local_seconds local = zone->to_local(sys);
    const bool first_pass = zone->to_sys(local, date::choose::earliest) == sys;
    const bool present = std::binary_search(occ.begin(), occ.end(), t);
    const bool is_dated = std::find(dated.begin(), dated.end(), t) != dated.end();
    FUZZ_CHECK(present == (first_pass || is_dated),
               "instant " + std::to_string(t) + (present ? " fires" : " does not fire") +
                   " (first pass of its local time: " + (first_pass ? "yes" : "no") + ")");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto fields = prescale::fuzz::SplitLines(prescale::fuzz::AsText(data, size), 4);
  EventSpec spec;
  spec.name = "fuzz";
  spec.schedule = Trimmed(fields[0]);
  spec.timezone = Trimmed(fields[1]);
  double t0 = 1767225600, span = 86400;
  {
    const std::string range = Trimmed(fields[2]);
    const char* p = range.data();
    const char* end = p + range.size();
    const auto r = std::from_chars(p, end, t0);
    if (r.ec == std::errc() && r.ptr < end && *r.ptr == ' ') std::from_chars(r.ptr + 1, end, span);
    if (!(span >= 0 && span <= 2 * 86400)) span = 86400;
  }
  std::string_view rest = fields[3];
  while (!rest.empty()) {
    const size_t eol = rest.find('\n');
    const std::string line = Trimmed(rest.substr(0, eol));
    CheckDateLine(line);
    if (line.rfind("x ", 0) == 0)
      spec.except.push_back(line.substr(2));
    else if (!line.empty())
      spec.dates.push_back(line);
    if (eol == std::string_view::npos) break;
    rest.remove_prefix(eol + 1);
  }

  const std::optional<CronSchedule> schedule =
      spec.schedule.empty() ? std::nullopt : CheckSchedule(spec.schedule);
  CalendarError error;
  const std::optional<ScheduledEvent> event = ScheduledEvent::Create(spec, &error);
  if (!event) {
    FUZZ_CHECK(!error.message.empty() && !error.field.empty(), "event rejected without reason");
    return 0;
  }
  FUZZ_CHECK(spec.schedule.empty() || schedule, "an event with a rejected schedule loaded");
  if (std::isfinite(t0)) CheckOccurrences(*event, spec, schedule, t0, t0 + span);

  EventWindow window(*event, 15, 4, 8);
  for (int k = 0; k <= 16 && std::isfinite(t0); ++k) {
    const int index = window.IndexAt(t0 + k * span / 16);
    FUZZ_CHECK(index >= -1 && index < window.size(), "window index out of range");
  }
  return 0;
}
