// Placeholder until its issue lands: the command exists so that --help lists it.
#include <CLI/CLI.hpp>

#include <iostream>

#include "adapter/commands.h"

namespace prescale::adapter {

CommandRunner AddForecastEvalCommand(CLI::App& app) {
  app.add_subcommand("forecast-eval", "Measure forecast accuracy on a trace (not implemented yet)");
  return [] {
    std::cerr << "prescale forecast-eval: not implemented yet\n";
    return 1;
  };
}

}  // namespace prescale::adapter
