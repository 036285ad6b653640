// Output formats of `prescale tune` (docs/tune.md): the stdout summary (the Pareto front of the
// training part, then the recommendation's validation figures next to the current policy's and
// to the equal-cost reactive baseline), the JSON document and the frontier SVG. Pure
// formatting, thread-safe.
#pragma once

#include <string>

#include "policies/backtest/tune.h"

namespace prescale::policies {

// "q=0.95 lead=2m hold=5m model=auto target=0.8 events=x1"
std::string DescribeKnobs(const TuneKnobs& knobs);

// The Pareto front (cost order), the recommendation and the validation table.
std::string FormatTuneReport(const TuneResult& r, const std::string& history_name);

// Every candidate with its training figures, the front, the recommendation, the validation.
std::string TuneJson(const TuneResult& r, const std::string& history_name);

// Unserved demand against cost on the training part: every candidate (grey), the Pareto front
// (blue line), reactive over target utilizations (red), the constraint, the current policy and
// the recommendation circled.
std::string RenderTuneSvg(const TuneResult& r, const std::string& title);

}  // namespace prescale::policies
