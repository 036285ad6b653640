#include "adapter/cli/offline_inputs.h"

#include <fstream>
#include <iostream>
#include <optional>
#include <variant>

#include "common/read_file.h"
#include "policies/example_policy.h"
#include "policies/policy_file.h"

namespace prescale::cli {

std::string LoadTrace(const std::string& path, forecasting::Trace* out) {
  const std::optional<std::string> text = ReadFile(path);
  if (!text) return path + ": cannot read the file";
  auto parsed = forecasting::ParseTraceCsv(*text);
  if (auto* e = std::get_if<forecasting::TraceError>(&parsed)) return path + ": " + e->ToString();
  *out = std::get<forecasting::Trace>(std::move(parsed));
  return "";
}

std::string ChoosePolicy(const std::string& config, const std::string& name,
                         policies::Policy* out) {
  if (config.empty()) {
    if (!name.empty()) return "--policy needs --config";
    *out = policies::DefaultBacktestPolicy();
    return "";
  }
  const policies::LoadResult loaded = policies::LoadConfigFile(config);
  if (!loaded.config) {
    std::string message;
    for (const auto& e : loaded.errors) message += (message.empty() ? "" : "\n") + e.ToString();
    return message;
  }
  for (const policies::Policy& p : loaded.config->policies) {
    if (name.empty() || p.name == name) {
      *out = p;
      return "";
    }
  }
  return "--policy: no policy named \"" + name + "\" in " + config;
}

bool WriteOutput(const std::string& path, const std::string& content) {
  if (path == "-") {
    std::cout << content;
    return static_cast<bool>(std::cout.flush());
  }
  std::ofstream out(path, std::ios::binary);
  out << content;
  return static_cast<bool>(out.flush());
}

}  // namespace prescale::cli
