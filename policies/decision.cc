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
  double candidate = Sanitize(in.observed);
  for (const double q : in.quantile_path) candidate = std::max(candidate, Sanitize(q));
  last_candidate_ = candidate;
  double expected = Sanitize(in.observed);
  for (const double m : in.median_path) expected = std::max(expected, Sanitize(m));
  // What the hold keeps: the expected level, or the candidate where that is lower (q < 0.5).
  const double kept = std::min(expected, candidate);

  // Keep the expected levels of (now - hold, now]; the served value is at least their maximum.
  while (!expected_.empty() && expected_.front().first <= in.now - hold_seconds_) {
    expected_.pop_front();
  }
  // A monotone deque: older levels not above the new one can never be the maximum again.
  while (!expected_.empty() && expected_.back().second <= kept) expected_.pop_back();
  expected_.emplace_back(in.now, kept);
  double served = std::max(candidate, expected_.front().second);

  if (in.event_within_lead) served = std::max(served, last_served_);
  last_served_ = served;
  return served;
}

}  // namespace prescale::policies
