#include "adapter/cli/policy_overrides.h"

#include <CLI/CLI.hpp>

#include "common/duration.h"
#include "policies/policy.h"

namespace prescale::cli {
namespace {

// Parses `text` (when given) into *out: "" on success, else the message naming `flag`.
std::string ParseInto(const std::string& text, const char* flag, Duration* out) {
  if (text.empty()) return "";
  std::string error;
  const std::optional<Duration> parsed = ParseDuration(text, &error);
  if (!parsed) return std::string(flag) + ": " + error;
  if (*parsed < Duration::zero()) return std::string(flag) + " must not be negative";
  *out = *parsed;
  return "";
}

}  // namespace

void PolicyOverrides::AddFlags(CLI::App& cmd, bool with_hold) {
  cmd.add_option("--quantile", quantile,
                 "Override the policy's quantile (the served q-forecast), in (0, 1)");
  cmd.add_option("--lead", lead, "Override the policy's lead time, e.g. 90s");
  if (with_hold) {
    cmd.add_option("--scale-down-hold", scale_down_hold,
                   "Override the policy's scale_down_hold, e.g. 10m");
  }
  cmd.add_option("--model", model, "Override the policy's forecasting model");
}

std::string PolicyOverrides::Apply(policies::Policy* policy) const {
  if (quantile) {
    if (!(*quantile > 0 && *quantile < 1)) return "--quantile must be in (0, 1)";
    policy->quantile = *quantile;
  }
  if (std::string e = ParseInto(lead, "--lead", &policy->lead); !e.empty()) return e;
  if (policy->lead > policy->history)
    return "--lead must not exceed the policy's history (" + FormatDuration(policy->history) + ")";
  if (std::string e = ParseInto(scale_down_hold, "--scale-down-hold", &policy->scale_down_hold);
      !e.empty())
    return e;
  if (!model.empty()) policy->model = model;
  return "";
}

}  // namespace prescale::cli
