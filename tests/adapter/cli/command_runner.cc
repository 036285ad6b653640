#include "tests/adapter/cli/command_runner.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace prescale::cli {

namespace fs = std::filesystem;

void CommandTest::SetUp() {
  const char* bin = std::getenv("PRESCALE_BIN");
  if (bin == nullptr || !fs::exists(bin)) GTEST_SKIP() << "PRESCALE_BIN not built";
  bin_ = bin;
  static std::atomic<int> counter{0};
  dir_ = fs::temp_directory_path() /
         ("prescale-cli-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::create_directories(dir_);
}

void CommandTest::TearDown() {
  if (!dir_.empty()) fs::remove_all(dir_);
}

std::string CommandTest::Write(const std::string& name, const std::string& content) const {
  const fs::path p = dir_ / name;
  std::ofstream(p, std::ios::binary) << content;
  return p.string();
}

CommandResult CommandTest::Run(const std::string& args) const {
  const fs::path out = dir_ / "stdout", err = dir_ / "stderr";
  const std::string cmd =
      "'" + bin_ + "' " + args + " >'" + out.string() + "' 2>'" + err.string() + "'";
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, Slurp(out), Slurp(err)};
}

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace prescale::cli
