// Output formats of `prescale backtest` (docs/backtest.md): the stdout table, the JSON document and
// the `--series-out` CSV. Pure formatting, thread-safe.
#pragma once

#include <string>

#include "policies/backtest/backtest.h"

namespace prescale::policies {

// Human-readable summary: one header line and one row per strategy.
std::string FormatBacktestTable(const BacktestResult& r, const std::string& trace_name);

// The JSON document: `strategies.<name>.<metric>`, `spikes`, and the run's parameters.
std::string BacktestJson(const BacktestResult& r, const std::string& trace_name);

// `t,demand,observed,forecast,replicas_reactive,ready_reactive,replicas_prescale,ready_prescale,
// replicas_oracle` then extra columns for seasonal_naive; one row per sync period.
std::string BacktestSeriesCsv(const BacktestResult& r);

}  // namespace prescale::policies
