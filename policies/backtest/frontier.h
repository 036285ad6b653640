// The cost-unserved frontier of a backtest: reactive HPAs over a range of target utilizations
// (headroom bought with pods) and prescale over a range of quantiles (the policy otherwise
// unchanged), so a planner sees whether the forecast beats headroom at every cost, not just at
// the policy's. Internal to policies/backtest/; thread-safe (runs share nothing mutable).
#pragma once

#include <string>
#include <vector>

#include "policies/backtest/backtest.h"
#include "policies/backtest/strategies.h"

namespace prescale::policies {

// The points: every reactive target of `targets`, and prescale at every quantile of
// `quantiles`, run on up to `threads` threads (the results do not depend on the count).
std::vector<FrontierPoint> RunFrontier(const Timeline& tl, const BacktestOptions& o,
                                       double capacity, const std::vector<double>& reactive_metric);

// An SVG: unserved demand against pod-hours, one line per strategy, each point labelled with
// its parameter; `marks` (e.g. the policy's prescale and reactive_matched) drawn as dots.
std::string RenderFrontierSvg(const std::vector<FrontierPoint>& points,
                              const std::vector<FrontierPoint>& marks, const std::string& title);

// One line per point: strategy, parameter, unserved %, pod-hours.
std::string FormatFrontierTable(const std::vector<FrontierPoint>& points);

}  // namespace prescale::policies
