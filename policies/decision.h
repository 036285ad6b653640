// The decision: from a forecast to the value served as `<name>_forecast`. The served value is
// the maximum of the q-forecast over [now, now + lead], never below the observed value; the
// expected level (the point forecasts over the lead, never below the observed value) is held for
// `scale_down_hold`: the served value does not fall below the highest expected level of the
// last hold. The quantile's margin is not held: the HPA's own scale-down stabilization already
// holds what it asked for, and holding the margin too costs pods without serving demand. The
// served value is never lowered while a calendar event falls in [now, now + lead]. Not
// thread-safe: one Decider per served series, owned by its refresh loop.
#pragma once

#include <deque>
#include <span>
#include <utility>

#include "common/duration.h"

namespace prescale::policies {

struct DecisionInput {
  double now = 0;                         // Unix seconds
  double observed = 0;                    // the latest observed value
  std::span<const double> quantile_path;  // q-forecasts of the buckets over [now, now + lead]
  std::span<const double> median_path;    // their point (median) forecasts; may be empty
  bool event_within_lead = false;         // a calendar event in [now, now + lead]
};

// Which steps of a model's forecast path cover [now, now + lead]: the model has seen the bucket
// starting at `last_seen_start` (step k of its path starts at last_seen_start + k * step).
// Returns the first and last k (1-based, first >= 1, last >= first).
std::pair<int, int> ForecastSteps(double now, double last_seen_start, double step_seconds,
                                  double lead_seconds);

class Decider {
 public:
  explicit Decider(Duration scale_down_hold);

  // Returns the value to serve at `in.now` (calls in time order). Non-finite or negative
  // inputs are ignored; the result is finite and >= 0.
  double Decide(const DecisionInput& in);

 private:
  double hold_seconds_;
  std::deque<std::pair<double, double>> candidates_;  // (time, expected level), time ascending
  double last_served_ = 0;
};

}  // namespace prescale::policies
