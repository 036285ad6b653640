// The what-if flags of the offline commands (backtest, forecast-eval): --quantile, --lead,
// --scale-down-hold and --model replace the chosen policy's values for one run.
#pragma once

#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace prescale::policies {
struct Policy;
}

namespace prescale::cli {

struct PolicyOverrides {
  std::optional<double> quantile;
  std::string lead, scale_down_hold, model;  // "" when not given

  // Registers the flags on `cmd`; --scale-down-hold only `with_hold` (forecast accuracy does not
  // depend on it).
  void AddFlags(CLI::App& cmd, bool with_hold = true);

  // Applies the given flags to *policy: "" on success, else the message naming the flag
  // (quantile outside (0, 1), a malformed or negative duration, a lead longer than the policy's
  // history). The model name is checked where the model is built.
  std::string Apply(policies::Policy* policy) const;
};

}  // namespace prescale::cli
