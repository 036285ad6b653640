// What a policy means to a forecasting model: the one mapping from a Policy to a ModelSpec, used
// by serve, backtest and forecast-eval alike, so a policy key reaches every model the same way.
// Pure, thread-safe.
#pragma once

#include "forecasting/model.h"
#include "policies/policy.h"

namespace prescale::policies {

// The model of `policy` on a grid of `step_seconds` (serve: the policy's step; a backtest or
// forecast-eval: the trace's step): its model name, seasonality, events, and its lead as the
// horizon hint.
forecasting::ModelSpec ModelSpecFor(const Policy& policy, double step_seconds);

}  // namespace prescale::policies
