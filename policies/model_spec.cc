#include "policies/model_spec.h"

namespace prescale::policies {

forecasting::ModelSpec ModelSpecFor(const Policy& policy, double step_seconds) {
  forecasting::ModelSpec spec;
  spec.model = policy.model;
  spec.step_seconds = step_seconds;
  spec.seasonality_seconds.clear();
  for (Duration period : policy.seasonality) spec.seasonality_seconds.push_back(ToSeconds(period));
  spec.events = policy.events;
  spec.lead_seconds = ToSeconds(policy.lead);
  return spec;
}

}  // namespace prescale::policies
