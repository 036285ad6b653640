// What `serve` and `backtest` both do per served series: turn a model's q-forecast path into the
// value served as `<name>_forecast`, through the Decider, with the policy's lead, hold and
// calendar. One instance per series; not thread-safe (owned by the refresh loop).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "forecasting/calendar.h"
#include "forecasting/model.h"
#include "policies/decision.h"
#include "policies/policy.h"

namespace prescale::policies {

class ServedForecast {
 public:
  // nullopt and *error if the policy's calendar does not load (check-config catches that).
  static std::optional<ServedForecast> Create(const Policy& policy, std::string* error);

  // How many steps to ask the model for: enough to cover [now, now + lead] until the next
  // bucket is seen.
  int HorizonSteps(double step_seconds) const;

  // `path` is Forecast(HorizonSteps(step), policy.quantile) of a model whose last seen bucket
  // starts at `last_seen_start` (Unix seconds); `observed` is that bucket's value. Calls in time
  // order. Returns the value to serve (finite, >= 0).
  double Decide(double now, double last_seen_start, double step_seconds, double observed,
                std::span<const forecasting::ForecastPoint> path);

  // Looks ahead to `learned` events too (they replace the previously learned ones).
  void SetLearnedEvents(const std::vector<forecasting::ScheduledEvent>& learned);

 private:
  ServedForecast(double lead_seconds, Duration hold, forecasting::EventCalendar calendar)
      : lead_seconds_(lead_seconds),
        decider_(hold),
        configured_(calendar),
        calendar_(std::move(calendar)) {}

  bool EventWithinLead(double now);

  double lead_seconds_;
  Decider decider_;
  forecasting::EventCalendar configured_;
  forecasting::EventCalendar calendar_;  // configured_ and the learned events
  // Occurrences in [cached_from_, cached_until_], recomputed when time leaves that range.
  std::vector<double> upcoming_;
  double cached_from_ = 1, cached_until_ = 0;  // empty
  std::vector<double> quantiles_, medians_;    // scratch, reused across calls
};

}  // namespace prescale::policies
