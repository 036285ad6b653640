// `prescale check-config` and `prescale backtest` through the binary ($PRESCALE_BIN, set by
// CTest): exit codes, the FILE:LINE:COLUMN lines and the JSON document. Skipped without it.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "policies/example_policy.h"

namespace prescale::policies {
namespace {

namespace fs = std::filesystem;

struct Result {
  int code = -1;
  std::string out, err;
};

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* bin = std::getenv("PRESCALE_BIN");
    if (bin == nullptr || !fs::exists(bin)) GTEST_SKIP() << "PRESCALE_BIN not built";
    bin_ = bin;
    dir_ = fs::temp_directory_path() / ("prescale-cli-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  std::string Write(const std::string& name, const std::string& content) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << content;
    return p.string();
  }

  static std::string Slurp(const fs::path& p) {
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

  Result Run(const std::string& args) {
    const fs::path out = dir_ / "stdout", err = dir_ / "stderr";
    const std::string cmd =
        "'" + bin_ + "' " + args + " >'" + out.string() + "' 2>'" + err.string() + "'";
    const int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, Slurp(out), Slurp(err)};
  }

  std::string bin_;
  fs::path dir_;
};

TEST_F(CliTest, CheckConfigAcceptsTheContractExample) {
  const std::string file = Write("ok.yaml", std::string(ExamplePolicyYaml()));
  const Result r = Run("check-config " + file);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(": OK: 1 policy (order_flow_rate)"), std::string::npos) << r.out;
}

TEST_F(CliTest, CheckConfigPrintsOneLinePerProblem) {
  const std::string file = Write("bad.yaml",
                                 "policies:\n  - name: p\n    query: up\n    quantile: 2\n"
                                 "    colour: red\n");
  const Result r = Run("check-config " + file);
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, file + ":4:15: policies[0].quantile: must be strictly between 0 and 1\n" + file +
                       ":5:5: policies[0].colour: unknown key\n");
}

std::string HourTrace() {
  std::string csv = "timestamp,value\n";
  for (int m = 0; m < 180; ++m) {
    csv += std::to_string(1700000000 + 60 * m) + "," + (m % 60 == 30 ? "500" : "20") + "\n";
  }
  return csv;
}

TEST_F(CliTest, BacktestWritesTheJsonDocument) {
  const std::string trace = Write("t.csv", HourTrace());
  const Result r = Run("backtest --trace " + trace + " --json - --model naive");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);  // stdout holds only JSON; the table is on stderr
  EXPECT_EQ(j["spikes"].size(), 3u);
  EXPECT_EQ(j["strategies"]["reactive"]["spikes_ready_before_onset"], 0);
  EXPECT_DOUBLE_EQ(j["capacity_per_pod"].get<double>(), 10);  // 500 / 50 replicas
  EXPECT_NE(r.err.find("oracle"), std::string::npos);
  EXPECT_FALSE(j["strategies"].contains("perfect_forecast"));
}

TEST_F(CliTest, BacktestPerfectForecastIsReadyForEverySpike) {
  const std::string trace = Write("t.csv", HourTrace());
  const Result r = Run("backtest --trace " + trace + " --json - --model naive --perfect-forecast");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto& perfect = j["strategies"]["perfect_forecast"];
  EXPECT_EQ(perfect["spikes_ready_before_onset"], j["spikes"].size());
  EXPECT_LT(perfect["unserved_fraction"].get<double>(),
            j["strategies"]["reactive"]["unserved_fraction"].get<double>());
  EXPECT_NE(r.err.find("perfect_forecast"), std::string::npos);
}

TEST_F(CliTest, BacktestRejectsBadInputWithExit2) {
  const std::string trace = Write("bad.csv", "timestamp,value\n1,2\n2,oops\n");
  Result r = Run("backtest --trace " + trace);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("line 3"), std::string::npos) << r.err;
  r = Run("backtest --trace " + Write("t.csv", HourTrace()) + " --policy x");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--policy needs --config"), std::string::npos) << r.err;
  r = Run("backtest --trace " + Write("t.csv", HourTrace()) + " --model nonsense");
  EXPECT_EQ(r.code, 2);
  r = Run("backtest --trace " + Write("t.csv", HourTrace()) + " --sync-period 15");
  EXPECT_EQ(r.code, 2);
}

}  // namespace
}  // namespace prescale::policies
