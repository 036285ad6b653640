#include <CLI/CLI.hpp>

#include "adapter/commands.h"

namespace prescale::adapter {
CommandRunner AddServeCommand(CLI::App& app) {
  app.add_subcommand("serve", "Run the adapter");
  return [] { return 1; };
}
}  // namespace prescale::adapter
