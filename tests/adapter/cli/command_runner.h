// Runs the built `prescale` binary ($PRESCALE_BIN, set by CTest) in a fixture with a scratch
// folder: the commands' exit codes, stdout and stderr, as a user sees them.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace prescale::cli {

struct CommandResult {
  int code = -1;  // exit status; -1 if killed by a signal
  std::string out, err;
};

class CommandTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Writes `content` to `name` in the scratch folder; returns its path.
  std::string Write(const std::string& name, const std::string& content) const;
  // Runs `prescale ARGS` (ARGS as a shell would split them).
  CommandResult Run(const std::string& args) const;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::string bin_;
  std::filesystem::path dir_;
};

// The whole file, or "" if it cannot be read.
std::string Slurp(const std::filesystem::path& path);

}  // namespace prescale::cli
