// Recurring events nobody wrote down: time-of-day slots (UTC) at which the series jumps on most
// days of its history, e.g. a daily settlement, a European open in a US-hours policy, or an open
// the calendar does not have. Found ones become events like configured ones: the models learn
// their profiles and the decision looks ahead to them. Pure and deterministic, thread-safe.
#pragma once

#include <span>
#include <vector>

#include "forecasting/calendar.h"

namespace prescale::forecasting {

struct RecurringEventOptions {
  // A jump: a bucket at least `jump_ratio` times the maximum of the `lookback` before it, and
  // at least the history's `level_quantile` quantile (so a busy level, not noise near zero).
  double jump_ratio = 1.5;
  double lookback_seconds = 600;
  double level_quantile = 0.75;
  // A slot recurs when jumps start within `tolerance` of it on at least `min_days` distinct
  // days and on at least `min_day_fraction` of the days (weekdays, if every jump was on one)
  // that have data, and chance explains that poorly: were jumps spread evenly over the day at
  // their observed rate, so many days would meet at one slot of the day with a probability
  // below `significance` (Bonferroni over the day's slots).
  double tolerance_seconds = 120;
  int min_days = 3;
  double min_day_fraction = 0.6;
  double significance = 0.01;
  // The window of a found event.
  double before_seconds = 300;
  double after_seconds = 600;
};

// The slots of `history` (bucket i starts at start_unix + i * step_seconds) where jumps recur,
// as events named "learned_HHMM" in UTC ("MM HH * * 1-5" when they recur on weekdays only),
// leaving out slots that an event of `known` already covers. Sorted by time of day.
std::vector<EventSpec> FindRecurringEvents(double start_unix, double step_seconds,
                                           std::span<const double> history,
                                           const std::vector<ScheduledEvent>& known,
                                           const RecurringEventOptions& options = {});

}  // namespace prescale::forecasting
