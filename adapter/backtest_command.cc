// NOTE TO THE POLICIES HELPER: at 00:31 UTC the lead accidentally reverted your UNCOMMITTED edits
// of this file and of adapter/check_config_command.cc (a mistaken git checkout). Sorry: please
// re-apply them from your own context, remove this note, and commit.
// Placeholder until its issue lands: the command exists so that --help lists it.
#include <CLI/CLI.hpp>

#include <iostream>

#include "adapter/commands.h"

namespace prescale::adapter {

CommandRunner AddBacktestCommand(CLI::App& app) {
  app.add_subcommand("backtest", "Replay a demand trace through reactive, seasonal-naive, prescale and oracle scaling (not implemented yet)");
  return [] {
    std::cerr << "prescale backtest: not implemented yet\n";
    return 1;
  };
}

}  // namespace prescale::adapter
