// prescale: scales Kubernetes deployments ahead of load. See README.md.
#include <CLI/CLI.hpp>

#include <iostream>
#include <map>

#include "adapter/cli/commands.h"

int main(int argc, char** argv) {
  using namespace prescale::cli;
  CLI::App app{
      "prescale: forecasts demand from Prometheus and serves it to the Kubernetes HPA "
      "through the external metrics API, so deployments scale ahead of load."};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show the help of every command");
  std::map<CLI::App*, CommandRunner> runners;
  for (auto add :
       {AddServeCommand, AddCheckConfigCommand, AddBacktestCommand, AddForecastEvalCommand,
        AddTuneCommand, AddExampleConfigCommand, AddVersionCommand}) {
    const size_t before = app.get_subcommands({}).size();
    CommandRunner run = add(app);
    runners[app.get_subcommands({})[before]] = std::move(run);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "prescale: " << e.what() << " (see prescale --help)\n";
    return 2;
  }
  for (auto& [sub, run] : runners) {
    if (sub->parsed()) return run();
  }
  return 2;
}
