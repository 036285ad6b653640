// The example policy file of docs/policy-file.md, embedded: `backtest` without --config uses its
// first policy without `events`, and tests check that it always passes validation. Thread-safe.
#pragma once

#include <string_view>

#include "policies/policy.h"

namespace prescale::policies {

// The example YAML (docs/policy-file.md shows it verbatim).
std::string_view ExamplePolicyYaml();

// The first policy of the example, without its calendar events.
Policy DefaultBacktestPolicy();

}  // namespace prescale::policies
