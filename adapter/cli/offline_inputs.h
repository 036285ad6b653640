// What the offline commands (backtest, forecast-eval) read: a trace file and the policy to
// replay, chosen by --config/--policy. Errors are returned as one message for stderr.
#pragma once

#include <string>

#include "forecasting/trace.h"
#include "policies/policy.h"

namespace prescale::cli {

// Reads and parses the trace CSV at `path`; "" on success, else the message naming the file.
std::string LoadTrace(const std::string& path, forecasting::Trace* out);

// The policy named `name` in the policy file `config` (the first one when `name` is empty), or
// without a file the built-in default (the example's first policy, without its events). ""
// on success, else every problem, one per line.
std::string ChoosePolicy(const std::string& config, const std::string& name, policies::Policy* out);

// Writes `content` to `path`, or to stdout for "-". False when it cannot be written.
bool WriteOutput(const std::string& path, const std::string& content);

}  // namespace prescale::cli
