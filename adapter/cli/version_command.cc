#include <CLI/CLI.hpp>

#include <iostream>

#include "adapter/cli/commands.h"
#include "common/build_info.h"

namespace prescale::cli {

CommandRunner AddVersionCommand(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("version", "Print version and build information");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Print as JSON");
  return [json] {
    if (*json) {
      std::cout << "{\"version\":\"" << build::kVersion << "\",\"gitCommit\":\""
                << build::kGitCommit << "\",\"buildType\":\"" << build::kBuildType
                << "\",\"compiler\":\"" << build::kCompiler << "\"}\n";
    } else {
      std::cout << "prescale " << build::kVersion << " (commit " << build::kGitCommit << ", "
                << build::kBuildType << ", " << build::kCompiler << ", built " << build::kBuildDate
                << ")\n";
    }
    return 0;
  };
}

}  // namespace prescale::cli
