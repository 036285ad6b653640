#include "forecasting/recurring_events.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <set>

namespace prescale::forecasting {
namespace {

constexpr double kDay = 86400;

struct Onset {
  double time;  // Unix seconds of the bucket start
  double slot;  // seconds into the UTC day
  int64_t day;  // UTC days since the epoch
  bool weekday;
};

int64_t DayOf(double t) { return static_cast<int64_t>(std::floor(t / kDay)); }
bool Weekday(int64_t day) { return (day + 3) % 7 < 5; }  // 1970-01-01 was a Thursday

std::vector<Onset> FindOnsets(double start, double step, std::span<const double> y,
                              const RecurringEventOptions& o) {
  std::vector<double> sorted(y.begin(), y.end());
  std::sort(sorted.begin(), sorted.end());
  const double busy =
      sorted.empty() ? 0 : sorted[static_cast<size_t>(o.level_quantile * (sorted.size() - 1))];
  const auto lookback = std::max<long>(1, std::lround(o.lookback_seconds / step));
  std::vector<Onset> onsets;
  std::deque<long> window;  // indices of a sliding maximum over the lookback
  double last_onset = -1e300;
  for (long i = 0; i < static_cast<long>(y.size()); ++i) {
    while (!window.empty() && window.front() < i - lookback) window.pop_front();
    const double before = window.empty() ? 0 : y[window.front()];
    const double t = start + static_cast<double>(i) * step;
    if (i >= lookback && std::isfinite(y[i]) && y[i] > 0 && y[i] >= busy &&
        y[i] >= o.jump_ratio * before && t - last_onset > o.lookback_seconds) {
      const int64_t day = DayOf(t);
      onsets.push_back({t, t - static_cast<double>(day) * kDay, day, Weekday(day)});
      last_onset = t;
    }
    if (!std::isfinite(y[i])) continue;
    while (!window.empty() && y[window.back()] <= y[i]) window.pop_back();
    window.push_back(i);
  }
  return onsets;
}

// P(X >= k) for X ~ Binomial(n, p).
double BinomialTail(int n, int k, double p) {
  double tail = 0, term = std::pow(1 - p, n);  // P(X = 0)
  for (int i = 0; i <= n; ++i) {
    if (i >= k) tail += term;
    term *= (n - i) / static_cast<double>(i + 1) * (p / (1 - p));
  }
  return std::min(1.0, tail);
}

// Distance between two times of day, across midnight.
double SlotDistance(double a, double b) {
  const double d = std::abs(a - b);
  return std::min(d, kDay - d);
}

bool Covered(double slot, const std::vector<int64_t>& days,
             const std::vector<ScheduledEvent>& known, double tolerance) {
  for (const ScheduledEvent& e : known) {
    for (int64_t day : days) {
      const double t = static_cast<double>(day) * kDay + slot;
      std::vector<double> at;
      e.OccurrencesBetween(t - e.after_seconds() - tolerance, t + e.before_seconds() + tolerance,
                           &at);
      if (!at.empty()) return true;
    }
  }
  return false;
}

}  // namespace

std::vector<EventSpec> FindRecurringEvents(double start, double step,
                                           std::span<const double> history,
                                           const std::vector<ScheduledEvent>& known,
                                           const RecurringEventOptions& o) {
  if (!(step > 0) || history.empty()) return {};
  std::vector<Onset> onsets = FindOnsets(start, step, history, o);
  std::set<int64_t> all_days, weekdays;
  for (size_t i = 0; i < history.size(); ++i) {
    if (!(history[i] > 0)) continue;
    const int64_t day = DayOf(start + static_cast<double>(i) * step);
    all_days.insert(day);
    if (Weekday(day)) weekdays.insert(day);
  }
  // Chance: a day holds an onset within a slot's width with probability rate x width / day.
  const double width = 2 * o.tolerance_seconds + step;
  const double per_day =
      all_days.empty() ? 0
                       : static_cast<double>(onsets.size()) / static_cast<double>(all_days.size());
  const double p_day = std::clamp(per_day * width / kDay, 1e-9, 1 - 1e-9);
  const double slots_per_day = kDay / width;
  std::vector<EventSpec> found;
  while (!onsets.empty()) {
    // The slot with jumps on the most distinct days.
    size_t best = 0;
    std::set<int64_t> best_days;
    for (size_t i = 0; i < onsets.size(); ++i) {
      std::set<int64_t> days;
      for (const Onset& other : onsets) {
        if (SlotDistance(onsets[i].slot, other.slot) <= o.tolerance_seconds) days.insert(other.day);
      }
      if (days.size() > best_days.size()) best = i, best_days = std::move(days);
    }
    if (static_cast<int>(best_days.size()) < o.min_days) break;
    const double center = onsets[best].slot;
    std::vector<double> slots;
    bool weekdays_only = true;
    for (const Onset& other : onsets) {
      if (SlotDistance(center, other.slot) > o.tolerance_seconds) continue;
      slots.push_back(other.slot);
      weekdays_only = weekdays_only && other.weekday;
    }
    std::sort(slots.begin(), slots.end());
    const double slot = slots[slots.size() / 2];
    const size_t possible = weekdays_only ? weekdays.size() : all_days.size();
    const std::vector<int64_t> days(best_days.begin(), best_days.end());
    const int met = static_cast<int>(best_days.size());
    const bool unlikely =
        BinomialTail(static_cast<int>(possible), met, p_day) * slots_per_day < o.significance;
    if (static_cast<double>(met) >= o.min_day_fraction * static_cast<double>(possible) &&
        unlikely && !Covered(slot, days, known, o.tolerance_seconds)) {
      const int minute_of_day = static_cast<int>(std::floor(slot / 60));
      char name[32], schedule[32];
      std::snprintf(name, sizeof name, "learned_%02d%02d", minute_of_day / 60, minute_of_day % 60);
      std::snprintf(schedule, sizeof schedule, "%d %d * * %s", minute_of_day % 60,
                    minute_of_day / 60, weekdays_only ? "1-5" : "*");
      EventSpec spec(name, schedule, "UTC");
      spec.before_seconds = o.before_seconds;
      spec.after_seconds = o.after_seconds;
      found.push_back(std::move(spec));
    }
    std::erase_if(onsets, [&](const Onset& x) {
      return SlotDistance(center, x.slot) <= o.tolerance_seconds;
    });
  }
  std::sort(found.begin(), found.end(),
            [](const EventSpec& a, const EventSpec& b) { return a.name < b.name; });
  return found;
}

}  // namespace prescale::forecasting
