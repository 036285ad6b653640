#include <CLI/CLI.hpp>

#include <iostream>

#include "adapter/cli/commands.h"
#include "policies/example_policy.h"

namespace prescale::cli {

CommandRunner AddExampleConfigCommand(CLI::App& app) {
  app.add_subcommand("example-config",
                     "Print the embedded example policy file (the one of docs/policy-file.md)");
  return [] {
    std::cout << policies::ExamplePolicyYaml();
    return 0;
  };
}

}  // namespace prescale::cli
