// The `--plot` SVG of a backtest, for a capacity planner's browser: demand and the ready
// capacity (ready pods x capacity per pod) of each strategy over the whole trace, spike onsets
// marked (filled when prescale was ready before the onset, hollow when not), a legend, and a
// second panel zoomed on the largest spike at one-second resolution. Pure, thread-safe.
#pragma once

#include <string>

#include "policies/backtest/backtest.h"

namespace prescale::policies {

// `r` must come from a run with BacktestOptions::keep_per_second; `trace` is its input.
std::string RenderBacktestSvg(const BacktestResult& r, const forecasting::Trace& trace,
                              const std::string& title);

}  // namespace prescale::policies
