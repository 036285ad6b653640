// `prescale backtest` through the binary: exit codes, the table on stderr and the JSON document.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/adapter/cli/command_runner.h"

namespace prescale::cli {
namespace {

using BacktestCommandTest = CommandTest;

std::string HourTrace() {
  std::string csv = "timestamp,value\n";
  for (int m = 0; m < 180; ++m) {
    csv += std::to_string(1700000000 + 60 * m) + "," + (m % 60 == 30 ? "500" : "20") + "\n";
  }
  return csv;
}

TEST_F(BacktestCommandTest, BacktestWritesTheJsonDocument) {
  const std::string trace = Write("t.csv", HourTrace());
  const CommandResult r = Run("backtest --trace " + trace + " --json - --model naive");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);  // stdout holds only JSON; the table is on stderr
  EXPECT_EQ(j["spikes"].size(), 3u);
  EXPECT_EQ(j["strategies"]["reactive"]["spikes_ready_before_onset"], 0);
  EXPECT_DOUBLE_EQ(j["capacity_per_pod"].get<double>(), 10);  // 500 / 50 replicas
  EXPECT_NE(r.err.find("oracle"), std::string::npos);
  EXPECT_FALSE(j["strategies"].contains("perfect_forecast"));
}

TEST_F(BacktestCommandTest, BacktestPerfectForecastIsReadyForEverySpike) {
  const std::string trace = Write("t.csv", HourTrace());
  const CommandResult r =
      Run("backtest --trace " + trace + " --json - --model naive --perfect-forecast");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto& perfect = j["strategies"]["perfect_forecast"];
  EXPECT_EQ(perfect["spikes_ready_before_onset"], j["spikes"].size());
  EXPECT_LT(perfect["unserved_fraction"].get<double>(),
            j["strategies"]["reactive"]["unserved_fraction"].get<double>());
  EXPECT_NE(r.err.find("perfect_forecast"), std::string::npos);
}

TEST_F(BacktestCommandTest, BacktestRejectsBadInputWithExit2) {
  const std::string trace = Write("bad.csv", "timestamp,value\n1,2\n2,oops\n");
  CommandResult r = Run("backtest --trace " + trace);
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

double PrescalePodSeconds(const CommandResult& r) {
  return nlohmann::json::parse(r.out)["strategies"]["prescale"]["pod_seconds"].get<double>();
}

TEST_F(BacktestCommandTest, WhatIfFlagsOverrideThePolicy) {
  const std::string trace = Write("t.csv", HourTrace());
  const std::string base = "backtest --trace " + trace + " --json - --model naive";
  const CommandResult plain = Run(base);
  ASSERT_EQ(plain.code, 0) << plain.err;
  // A longer hold keeps pods after each spike; a longer lead raises the forecast earlier.
  const CommandResult hold = Run(base + " --scale-down-hold 30m");
  ASSERT_EQ(hold.code, 0) << hold.err;
  EXPECT_GT(PrescalePodSeconds(hold), PrescalePodSeconds(plain));
  const CommandResult no_hold = Run(base + " --scale-down-hold 0s");
  ASSERT_EQ(no_hold.code, 0) << no_hold.err;
  EXPECT_LT(PrescalePodSeconds(no_hold), PrescalePodSeconds(plain));
  const CommandResult lead = Run(base + " --lead 10m");
  ASSERT_EQ(lead.code, 0) << lead.err;
  EXPECT_GT(PrescalePodSeconds(lead), PrescalePodSeconds(plain));
  const CommandResult q =
      Run("backtest --trace " + trace + " --json - --model ses --quantile 0.99");
  const CommandResult q_low =
      Run("backtest --trace " + trace + " --json - --model ses --quantile 0.5");
  ASSERT_EQ(q.code, 0) << q.err;
  ASSERT_EQ(q_low.code, 0) << q_low.err;
  EXPECT_GT(PrescalePodSeconds(q), PrescalePodSeconds(q_low));
}

TEST_F(BacktestCommandTest, BadWhatIfFlagsExitTwoNamingTheFlag) {
  const std::string base = "backtest --trace " + Write("t.csv", HourTrace()) + " --model naive";
  for (const auto& [flag, name] :
       {std::pair{" --quantile 1.5", "--quantile"}, std::pair{" --quantile 0", "--quantile"},
        std::pair{" --lead soon", "--lead"}, std::pair{" --lead 30d", "--lead"},
        std::pair{" --scale-down-hold -5m", "--scale-down-hold"}}) {
    const CommandResult r = Run(base + flag);
    EXPECT_EQ(r.code, 2) << flag;
    EXPECT_NE(r.err.find(name), std::string::npos) << flag << ": " << r.err;
  }
}

}  // namespace
}  // namespace prescale::cli
