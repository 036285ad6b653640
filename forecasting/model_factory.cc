// MakeModel: builds the named model from a ModelSpec (see model.h).
#include <cmath>

#include "forecasting/auto_model.h"
#include "forecasting/baselines.h"
#include "forecasting/calendar.h"
#include "forecasting/calibrated_model.h"
#include "forecasting/ensemble.h"
#include "forecasting/ets.h"
#include "forecasting/model.h"
#include "forecasting/profile_core.h"

namespace prescale::forecasting {
namespace {

// The shortest period of at least two steps, or 0.
double FirstPeriod(const ModelSpec& spec) {
  double first = 0;
  for (double p : spec.seasonality_seconds) {
    if (p >= 2 * spec.step_seconds && (first == 0 || p < first)) first = p;
  }
  return first;
}

using Events = std::vector<ScheduledEvent>;
using CoreFactory = std::unique_ptr<PointModel> (*)(const ModelSpec&, const Events&);

std::unique_ptr<PointModel> MakeProfile(const ModelSpec& spec, const Events& events) {
  ProfileOptions options;
  options.step_seconds = spec.step_seconds;
  options.periods_seconds = spec.seasonality_seconds;
  options.events = events;
  return std::make_unique<ProfileCore>(options);
}

long SeasonSteps(const ModelSpec& spec) {
  const double period = FirstPeriod(spec);
  return period > 0 ? std::lround(period / spec.step_seconds) : 0;
}

// The named models, in KnownModelNames() order after "auto": the one list of them.
constexpr std::pair<const char*, CoreFactory> kCores[] = {
    {"naive",
     [](const ModelSpec&, const Events&) -> std::unique_ptr<PointModel> {
       return std::make_unique<NaiveCore>();
     }},
    {"seasonal_naive",
     [](const ModelSpec& spec, const Events&) -> std::unique_ptr<PointModel> {
       const long season = SeasonSteps(spec);
       return std::make_unique<SeasonalNaiveCore>(
           season > 0 ? season : std::lround(86400 / spec.step_seconds));
     }},
    {"ses",
     [](const ModelSpec&, const Events&) -> std::unique_ptr<PointModel> {
       return std::make_unique<EtsCore>(false, 0);
     }},
    {"holt",
     [](const ModelSpec&, const Events&) -> std::unique_ptr<PointModel> {
       return std::make_unique<EtsCore>(true, 0);
     }},
    {"holt_winters",
     [](const ModelSpec& spec, const Events&) -> std::unique_ptr<PointModel> {
       return std::make_unique<EtsCore>(true, SeasonSteps(spec));
     }},
    {"profile", MakeProfile},
    {"ses+profile",
     [](const ModelSpec& spec, const Events& events) -> std::unique_ptr<PointModel> {
       std::vector<std::unique_ptr<PointModel>> members;
       members.push_back(std::make_unique<EtsCore>(false, 0));
       members.push_back(MakeProfile(spec, events));
       return std::make_unique<EnsembleCore>("ses+profile", std::move(members));
     }},
};

std::unique_ptr<PointModel> MakeCore(const std::string& name, const ModelSpec& spec,
                                     const Events& events) {
  for (const auto& [core_name, make] : kCores) {
    if (name == core_name) return make(spec, events);
  }
  return nullptr;
}

}  // namespace

std::vector<std::string> KnownModelNames() {
  std::vector<std::string> names = {"auto"};
  for (const auto& [name, make] : kCores) names.emplace_back(name);
  return names;
}

std::string KnownModelList() {
  std::string list;
  for (const std::string& name : KnownModelNames()) list += (list.empty() ? "" : ", ") + name;
  return list;
}

std::string UnknownModelMessage(const std::string& name) {
  return "unknown model \"" + name + "\" (known: " + KnownModelList() + ")";
}

std::variant<std::unique_ptr<Model>, ModelError> MakeModel(const ModelSpec& spec) {
  if (!std::isfinite(spec.step_seconds) || spec.step_seconds <= 0) {
    return ModelError{"step must be a positive number of seconds"};
  }
  std::vector<ScheduledEvent> events;
  for (const EventSpec& e : spec.events) {
    CalendarError error;
    std::optional<ScheduledEvent> event = ScheduledEvent::Create(e, &error);
    if (!event) return ModelError{error.ToString()};
    events.push_back(std::move(*event));
  }
  const double lead = std::isfinite(spec.lead_seconds) ? spec.lead_seconds : 0;
  const int lead_steps =
      static_cast<int>(std::clamp(std::ceil(lead / spec.step_seconds - 1e-9), 1.0, 1024.0));
  auto make = [spec, events, lead_steps](const std::string& name) {
    return std::make_unique<CalibratedModel>(MakeCore(name, spec, events), spec.step_seconds,
                                             lead_steps);
  };
  if (spec.model == "auto") {
    return std::make_unique<AutoModel>(make, spec.step_seconds, FirstPeriod(spec),
                                       !spec.events.empty());
  }
  if (MakeCore(spec.model, spec, events)) return std::unique_ptr<Model>(make(spec.model));
  return ModelError{UnknownModelMessage(spec.model)};
}

}  // namespace prescale::forecasting
