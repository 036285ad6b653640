// MakeModel: builds the named model from a ModelSpec (see model.h).
#include <cmath>

#include "forecasting/auto_model.h"
#include "forecasting/baselines.h"
#include "forecasting/calendar.h"
#include "forecasting/ensemble.h"
#include "forecasting/ets.h"
#include "forecasting/intervals.h"
#include "forecasting/model.h"
#include "forecasting/profile_model.h"

namespace prescale::forecasting {
namespace {

const std::vector<std::string>& Names() {
  static const std::vector<std::string> names = {
      "auto", "naive", "seasonal_naive", "ses", "holt", "holt_winters", "profile", "ses+profile"};
  return names;
}

// The shortest period of at least two steps, or 0.
double FirstPeriod(const ModelSpec& spec) {
  double first = 0;
  for (double p : spec.seasonality_seconds) {
    if (p >= 2 * spec.step_seconds && (first == 0 || p < first)) first = p;
  }
  return first;
}

std::unique_ptr<PointModel> MakeCore(const std::string& name, const ModelSpec& spec,
                                     const std::vector<CronSchedule>& events) {
  const double step = spec.step_seconds;
  const double period = FirstPeriod(spec);
  const long season = period > 0 ? std::lround(period / step) : 0;
  if (name == "naive") return std::make_unique<NaiveCore>();
  if (name == "seasonal_naive") {
    return std::make_unique<SeasonalNaiveCore>(season > 0 ? season : std::lround(86400 / step));
  }
  if (name == "ses") return std::make_unique<EtsCore>(false, 0);
  if (name == "holt") return std::make_unique<EtsCore>(true, 0);
  if (name == "holt_winters") return std::make_unique<EtsCore>(true, season);
  if (name == "profile") {
    ProfileOptions options;
    options.step_seconds = step;
    options.periods_seconds = spec.seasonality_seconds;
    options.events = events;
    return std::make_unique<ProfileCore>(options);
  }
  if (name == "ses+profile") {
    std::vector<std::unique_ptr<PointModel>> members;
    members.push_back(MakeCore("ses", spec, events));
    members.push_back(MakeCore("profile", spec, events));
    return std::make_unique<EnsembleCore>(name, std::move(members));
  }
  return nullptr;
}

}  // namespace

std::vector<std::string> KnownModelNames() { return Names(); }

std::variant<std::unique_ptr<Model>, ModelError> MakeModel(const ModelSpec& spec) {
  if (!std::isfinite(spec.step_seconds) || spec.step_seconds <= 0) {
    return ModelError{"step must be a positive number of seconds"};
  }
  std::vector<CronSchedule> events;
  for (const EventSpec& e : spec.events) {
    std::string error;
    auto schedule = CronSchedule::Parse(e, &error);
    if (!schedule) return ModelError{error};
    events.push_back(*schedule);
  }
  const double lead = std::isfinite(spec.lead_seconds) ? spec.lead_seconds : 0;
  const int lead_steps =
      static_cast<int>(std::clamp(std::ceil(lead / spec.step_seconds - 1e-9), 1.0, 1024.0));
  auto make = [spec, events, lead_steps](const std::string& name) {
    return std::make_unique<CalibratedModel>(MakeCore(name, spec, events), spec.step_seconds,
                                             lead_steps);
  };
  if (spec.model == "auto") {
    return std::make_unique<AutoModel>(make, spec.step_seconds, FirstPeriod(spec));
  }
  if (MakeCore(spec.model, spec, events)) return std::unique_ptr<Model>(make(spec.model));
  std::string known;
  for (const std::string& n : Names()) known += (known.empty() ? "" : ", ") + n;
  return ModelError{"unknown model \"" + spec.model + "\" (known: " + known + ")"};
}

}  // namespace prescale::forecasting
