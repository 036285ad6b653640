#include "policies/policy_writer.h"

#include <yaml-cpp/yaml.h>

#include <cstdio>

#include "common/duration.h"

namespace prescale::policies {
namespace {

// Shortest text that reads back as the same double.
std::string Number(double v) {
  char buf[32];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (std::stod(buf) == v) break;
  }
  return buf;
}

std::string Seconds(double seconds) {
  return FormatDuration(std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000 + 0.5)));
}

void SetEvents(YAML::Node policy, const Policy& tuned) {
  YAML::Node events = policy["events"];
  if (!events) return;
  if (tuned.events.empty()) {
    policy.remove("events");
    return;
  }
  for (size_t i = 0; i < events.size() && i < tuned.events.size(); ++i) {
    events[i]["before"] = Seconds(tuned.events[i].before_seconds);
    events[i]["after"] = Seconds(tuned.events[i].after_seconds);
  }
}

}  // namespace

bool RewritePolicy(std::string_view yaml_text, const std::string& name, const Policy& tuned,
                   const std::string& header, std::string* out, std::string* error) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    *error = std::string("the policy file does not parse: ") + e.what();
    return false;
  }
  YAML::Node policies = root["policies"];
  for (size_t i = 0; policies && policies.IsSequence() && i < policies.size(); ++i) {
    YAML::Node p = policies[i];
    if (!p.IsMap() || !p["name"] || p["name"].as<std::string>("") != name) continue;
    p["quantile"] = Number(tuned.quantile);
    p["lead"] = FormatDuration(tuned.lead);
    p["scale_down_hold"] = FormatDuration(tuned.scale_down_hold);
    p["model"] = tuned.model;
    SetEvents(p, tuned);
    p["backtest"]["target_utilization"] = Number(tuned.backtest.target_utilization);
    YAML::Emitter emitter;
    emitter << root;
    *out = header + emitter.c_str() + "\n";
    return true;
  }
  *error = "no policy named \"" + name + "\" in the policy file";
  return false;
}

}  // namespace prescale::policies
