#include <CLI/CLI.hpp>

#include <iostream>

#include "adapter/cli/commands.h"
#include "common/duration.h"
#include "policies/policy_file.h"

namespace prescale::cli {

CommandRunner AddCheckConfigCommand(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("check-config", "Validate a policy file");
  auto file = std::make_shared<std::string>();
  cmd->add_option("FILE", *file, "The policy file (YAML)")->required();
  return [file] {
    const policies::LoadResult result = policies::LoadConfigFile(*file);
    if (!result.config) {
      for (const auto& e : result.errors) std::cerr << e.ToString() << "\n";
      return 2;
    }
    const auto& c = *result.config;
    std::cout << *file << ": OK: " << c.policies.size() << " polic"
              << (c.policies.size() == 1 ? "y" : "ies") << " (";
    for (size_t i = 0; i < c.policies.size(); ++i) {
      std::cout << (i ? ", " : "") << c.policies[i].name;
    }
    std::cout << "), " << c.policies.size() * 2 << " metrics, refresh " << FormatDuration(c.refresh)
              << "\n";
    return 0;
  };
}

}  // namespace prescale::cli
