// The subcommands of `prescale`. Each Add*Command registers its flags on a CLI11 subcommand of
// `app` and returns the function that runs it once parsing succeeded; that function returns the
// exit status (0 success, 1 the job failed, 2 bad usage or bad input).
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace prescale::cli {

using CommandRunner = std::function<int()>;

CommandRunner AddServeCommand(CLI::App& app);
CommandRunner AddVersionCommand(CLI::App& app);
CommandRunner AddCheckConfigCommand(CLI::App& app);
CommandRunner AddBacktestCommand(CLI::App& app);
CommandRunner AddForecastEvalCommand(CLI::App& app);
CommandRunner AddTuneCommand(CLI::App& app);
CommandRunner AddExampleConfigCommand(CLI::App& app);

}  // namespace prescale::cli
