#include "policies/served_forecast.h"

#include <algorithm>
#include <cmath>

namespace prescale::policies {

std::optional<ServedForecast> ServedForecast::Create(const Policy& policy, std::string* error) {
  forecasting::CalendarError why;
  std::optional<forecasting::EventCalendar> calendar =
      forecasting::EventCalendar::Create(policy.events, &why);
  if (!calendar) {
    *error = why.ToString();
    return std::nullopt;
  }
  return ServedForecast(std::chrono::duration<double>(policy.lead).count(), policy.scale_down_hold,
                        std::move(*calendar));
}

int ServedForecast::HorizonSteps(double step_seconds) const {
  // The window ends at most one step (the bucket in progress) plus the lead after the last
  // seen bucket's end.
  return 2 + static_cast<int>(std::ceil(lead_seconds_ / step_seconds));
}

double ServedForecast::Decide(double now, double last_seen_start, double step_seconds,
                              double observed, std::span<const forecasting::ForecastPoint> path) {
  const auto [first, last] = ForecastSteps(now, last_seen_start, step_seconds, lead_seconds_);
  quantiles_.clear();
  medians_.clear();
  for (int k = first; k <= std::min<int>(last, static_cast<int>(path.size())); ++k) {
    quantiles_.push_back(path[k - 1].quantile);
    medians_.push_back(path[k - 1].mean);
  }
  return decider_.Decide({now, observed, quantiles_, medians_, EventWithinLead(now)});
}

void ServedForecast::SetLearnedEvents(const std::vector<forecasting::ScheduledEvent>& learned) {
  calendar_ = configured_.With(learned);
  cached_from_ = 1, cached_until_ = 0;  // recompute
}

bool ServedForecast::EventWithinLead(double now) {
  if (calendar_.empty()) return false;
  // Occurrences fall on whole seconds (cron has minutes).
  const double from = std::ceil(now);
  const double to = std::floor(now + lead_seconds_);
  if (from < cached_from_ || to >= cached_until_) {
    constexpr double kCacheSeconds = 2 * 86400;
    upcoming_ = calendar_.OccurrencesBetween(from, to + kCacheSeconds);
    cached_from_ = from;
    cached_until_ = to + kCacheSeconds;
  }
  const auto it = std::lower_bound(upcoming_.begin(), upcoming_.end(), from);
  return it != upcoming_.end() && *it <= to;
}

}  // namespace prescale::policies
