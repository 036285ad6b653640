// The decision: from a forecast to the value served as `<name>_forecast`.
//
// The served value covers the observed value and every value of `quantile_path`:
// ServedForecast puts there the q-forecasts of [now, now + lead] but for its farthest step,
// which counts with its median (see served_forecast.h), or the q-forecasts of the whole window
// when a calendar event falls in it. It is not lowered below the expected level (observed value and
// medians, `median_path`) of the last `scale_down_hold`: the hold keeps demand that was seen or
// expected, not the upper quantile, because the HPA's own downscale stabilization already keeps
// every scale-up for minutes and holding the quantile on top of it pays twice for the same
// uncertainty. It is never lowered while a calendar event falls in [now, now + lead].
// Not thread-safe: one Decider per served series, owned by its refresh loop.
#pragma once

#include <deque>
#include <span>
#include <utility>

#include "common/duration.h"

namespace prescale::policies {

struct DecisionInput {
  double now = 0;                         // Unix seconds
  double observed = 0;                    // the latest observed value
  std::span<const double> quantile_path;  // forecasts to cover (see above)
  bool event_within_lead = false;         // a calendar event in [now, now + lead]
  std::span<const double> median_path;    // point forecasts (medians) over [now, now + lead]
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

  // The candidate of the last call, before hold and events: for audit logs.
  double last_candidate() const { return last_candidate_; }

 private:
  double hold_seconds_;
  // (time, expected level) of the last hold, time ascending; levels strictly decreasing.
  std::deque<std::pair<double, double>> expected_;
  double last_served_ = 0;
  double last_candidate_ = 0;
};

}  // namespace prescale::policies
