// Writing tuned values back into a policy file (`prescale tune --write`). Thread-safe (pure).
#pragma once

#include <string>
#include <string_view>

#include "policies/policy.h"

namespace prescale::policies {

// The policy file `yaml_text` with the policy named `name` given `tuned`'s quantile, lead,
// scale_down_hold, model, its events' before/after (the events themselves are the file's; when
// `tuned` has no events the policy's are removed, as the built-in default policy has none) and
// backtest.target_utilization. Every other key keeps its value. The values that change are
// edited in place (a missing key gets a line of its own), so comments and layout stay, when the
// result loads back exactly as tuned; otherwise (flow-style maps, events removed) yaml-cpp
// re-emits the document without its comments, and says so. `header` (comment lines, each
// starting with '#') goes first. Returns false with *error when the text does not parse or has
// no such policy.
bool RewritePolicy(std::string_view yaml_text, const std::string& name, const Policy& tuned,
                   const std::string& header, std::string* out, std::string* error);

}  // namespace prescale::policies
