// `prescale forecast-eval` through the binary: the origins and horizon of docs/forecast-eval.md,
// the JSON document, the policy's model and quantile, and exit codes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/adapter/cli/command_runner.h"

namespace prescale::cli {
namespace {

class ForecastEvalTest : public CommandTest {
 protected:
  // 1000 one-minute buckets of a noisy level.
  std::string GoodTrace() const {
    std::ostringstream csv;
    csv << "timestamp,value\n";
    for (int i = 0; i < 1000; ++i) csv << 1700000000 + 60 * i << "," << 50 + (i * 37 % 11) << "\n";
    return Write("good.csv", csv.str());
  }
};

TEST_F(ForecastEvalTest, CountsOriginsAsTheContractDefines) {
  const std::string trace = GoodTrace();
  // Train 700 buckets; h = 1: origins 700..999.
  CommandResult r = Run("forecast-eval --trace " + trace + " --horizon 1s --json -");
  ASSERT_EQ(r.code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);  // stdout holds only the JSON document
  EXPECT_EQ(j["points"], 300);
  EXPECT_EQ(j["horizon_seconds"], 60);
  EXPECT_EQ(j["train_points"], 700);
  // h = ceil(5m / 1m) = 5: origins 700..995.
  r = Run("forecast-eval --trace " + trace + " --horizon 5m --json -");
  ASSERT_EQ(r.code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["points"], 296);
  EXPECT_EQ(j["horizon_seconds"], 300);
  for (const char* key : {"mae", "mase", "rel_naive", "smape", "quantile", "coverage", "pinball",
                          "fit_seconds", "update_ns_per_point"}) {
    EXPECT_TRUE(j[key].is_number()) << key;
  }
  // Less than a day of history: no seasonal naive.
  EXPECT_TRUE(j["rel_seasonal_naive"].is_null());
}

TEST_F(ForecastEvalTest, WritesJsonToAFileAndASummaryToStdout) {
  const std::string json = (dir() / "out.json").string();
  const CommandResult r = Run("forecast-eval --trace " + GoodTrace() +
                              " --horizon 60s --model ses --train-fraction 0.5 --quantile 0.8 "
                              "--json " +
                              json);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("model ses, 500 forecasts 1m ahead"), std::string::npos) << r.out;
  const nlohmann::json j = nlohmann::json::parse(Slurp(json));
  EXPECT_EQ(j["points"], 500);
  EXPECT_EQ(j["quantile"], 0.8);
  EXPECT_EQ(j["model"], "ses");
}

TEST_F(ForecastEvalTest, UsesThePolicysModelAndQuantile) {
  const std::string config = Write("policy.yaml",
                                   "policies:\n"
                                   "  - name: orders\n"
                                   "    query: sum(rate(orders_total[1m]))\n"
                                   "    model: ses\n"
                                   "    quantile: 0.8\n"
                                   "  - name: other\n"
                                   "    query: sum(rate(other_total[1m]))\n"
                                   "    model: naive\n");
  CommandResult r = Run("forecast-eval --trace " + GoodTrace() + " --horizon 1m --config " +
                        config + " --json -");
  ASSERT_EQ(r.code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["model"], "ses");
  EXPECT_EQ(j["quantile"], 0.8);
  r = Run("forecast-eval --trace " + GoodTrace() + " --horizon 1m --config " + config +
          " --policy other --quantile 0.95 --json -");
  ASSERT_EQ(r.code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["model"], "naive");
  EXPECT_EQ(j["quantile"], 0.95);
  r = Run("forecast-eval --trace " + GoodTrace() + " --horizon 1m --config " + config +
          " --policy nope");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("no policy named \"nope\""), std::string::npos) << r.err;
  const std::string broken = Write("broken.yaml", "policies:\n  - name: x\n    quantile: 7\n");
  r = Run("forecast-eval --trace " + GoodTrace() + " --horizon 1m --config " + broken);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("broken.yaml"), std::string::npos) << r.err;
}

TEST_F(ForecastEvalTest, TheLeadIsTheDefaultHorizonAndFlagsOverrideThePolicy) {
  const std::string config = Write("policy.yaml",
                                   "policies:\n"
                                   "  - name: orders\n"
                                   "    query: sum(rate(orders_total[1m]))\n"
                                   "    model: ses\n"
                                   "    lead: 3m\n");
  CommandResult r =
      Run("forecast-eval --trace " + GoodTrace() + " --config " + config + " --json -");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["horizon_seconds"], 180);
  r = Run("forecast-eval --trace " + GoodTrace() + " --config " + config +
          " --lead 5m --model naive --quantile 0.7 --json -");
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["horizon_seconds"], 300);
  EXPECT_EQ(j["model"], "naive");
  EXPECT_EQ(j["quantile"], 0.7);
  r = Run("forecast-eval --trace " + GoodTrace() + " --lead never");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--lead"), std::string::npos) << r.err;
}

TEST_F(ForecastEvalTest, BadInputExitsTwoNamingTheProblem) {
  const std::string bad = Write("bad.csv", "timestamp,value\n0,1\n60,oops\n120,3\n");
  CommandResult r = Run("forecast-eval --trace " + bad + " --horizon 1m");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("line 3"), std::string::npos) << r.err;
  r = Run("forecast-eval --trace " + GoodTrace() + " --horizon soon");
  EXPECT_EQ(r.code, 2) << r.err;
  r = Run("forecast-eval --trace " + GoodTrace() + " --horizon 1m --model prophet");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("unknown model"), std::string::npos) << r.err;
  r = Run("forecast-eval --trace " + GoodTrace() + " --horizon 1m --train-fraction 1.5");
  EXPECT_EQ(r.code, 2) << r.err;
  r = Run("forecast-eval --trace " + (dir() / "missing.csv").string() + " --horizon 1m");
  EXPECT_EQ(r.code, 2) << r.err;
  r = Run("forecast-eval --trace " + GoodTrace() +
          " --horizon 1000m");  // longer than the test part
  EXPECT_EQ(r.code, 2) << r.err;
  r = Run("forecast-eval --horizon 1m");  // missing --trace
  EXPECT_EQ(r.code, 2) << r.err;
}

}  // namespace
}  // namespace prescale::cli
