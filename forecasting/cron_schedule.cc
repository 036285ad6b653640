#include "forecasting/cron_schedule.h"

#include <cctype>
#include <charconv>
#include <vector>

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

}  // namespace prescale::forecasting
