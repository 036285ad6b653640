#include "policies/decision.h"

#include <algorithm>
#include <cmath>

namespace prescale::policies {
namespace {

double Sanitize(double v) { return std::isfinite(v) && v > 0 ? v : 0; }

}  // namespace

std::pair<int, int> ForecastSteps(double now, double last_seen_start, double step_seconds,
                                  double lead_seconds) {
  // Step k covers [start + k*step, start + (k+1)*step); the bucket containing `now` comes first.
  const double from = (now - last_seen_start) / step_seconds;
  const double to = (now + std::max(0.0, lead_seconds) - last_seen_start) / step_seconds;
  const int first = std::max(1, static_cast<int>(std::floor(from)));
  const int last = std::max(first, static_cast<int>(std::floor(to)));
  return {first, last};
}

Decider::Decider(Duration scale_down_hold)
    : hold_seconds_(std::chrono::duration<double>(scale_down_hold).count()) {}

double Decider::Decide(const DecisionInput& in) {
  // Now: the q-forecast over the lead, never below what is observed.
  double now_value = Sanitize(in.observed);
  for (const double q : in.quantile_path) now_value = std::max(now_value, Sanitize(q));
  // Held: the expected level (the point forecasts) over the lead. The quantile's margin is for
  // the next minute; holding it too would stack on the HPA's own scale-down stabilization.
  double candidate = Sanitize(in.observed);
  for (const double m : in.median_path) candidate = std::max(candidate, Sanitize(m));
  if (in.median_path.empty()) candidate = now_value;

  // Keep the candidates of (now - hold, now]; the served value is their maximum.
  while (!candidates_.empty() && candidates_.front().first <= in.now - hold_seconds_) {
    candidates_.pop_front();
  }
  // A monotone deque: older candidates not above the new one can never be the maximum again.
  while (!candidates_.empty() && candidates_.back().second <= candidate) candidates_.pop_back();
  candidates_.emplace_back(in.now, candidate);
  double served = std::max(candidates_.front().second, now_value);

  if (in.event_within_lead) served = std::max(served, last_served_);
  last_served_ = served;
  return served;
}

}  // namespace prescale::policies
