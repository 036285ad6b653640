#include <CLI/CLI.hpp>

#include <iostream>

#include "adapter/commands.h"
#include "policies/example_policy.h"

namespace prescale::adapter {

CommandRunner AddExampleConfigCommand(CLI::App& app) {
  app.add_subcommand("example-config",
                     "Print the embedded example policy file (the one of CONTRACT.md)");
  return [] {
    std::cout << policies::ExamplePolicyYaml();
    return 0;
  };
}

}  // namespace prescale::adapter
