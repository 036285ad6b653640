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
