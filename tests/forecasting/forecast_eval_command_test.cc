// `prescale forecast-eval` end to end (CONTRACT.md): exit codes, counts and JSON keys. Runs the
// built binary ($PRESCALE_BIN); skipped if it is not there.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

struct Result {
  int status = -1;
  std::string out;
};

class ForecastEvalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* bin = std::getenv("PRESCALE_BIN");
    if (!bin || !std::filesystem::exists(bin)) GTEST_SKIP() << "PRESCALE_BIN not built";
    bin_ = bin;
    dir_ = std::filesystem::temp_directory_path() /
           ("prescale_forecast_eval_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::string Write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  Result Run(const std::string& args) {
    const std::string cmd = bin_ + " forecast-eval " + args + " 2>&1";
    Result r;
    FILE* pipe = popen(cmd.c_str(), "r");
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) r.out.append(buf, n);
    const int raw = pclose(pipe);
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    return r;
  }

  // 1000 one-minute buckets of a noisy level.
  std::string GoodTrace() {
    std::ostringstream csv;
    csv << "timestamp,value\n";
    for (int i = 0; i < 1000; ++i) csv << 1700000000 + 60 * i << "," << 50 + (i * 37 % 11) << "\n";
    return Write("good.csv", csv.str());
  }

  std::string bin_;
  std::filesystem::path dir_;
};

TEST_F(ForecastEvalTest, CountsOriginsAsTheContractDefines) {
  const std::string trace = GoodTrace();
  // Train 700 buckets; h = 1: origins 700..999.
  Result r = Run("--trace " + trace + " --horizon 1s --json -");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"points\": 300,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"horizon_seconds\": 60,"), std::string::npos) << r.out;
  // h = ceil(5m / 1m) = 5: origins 700..995.
  r = Run("--trace " + trace + " --horizon 5m --json -");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"points\": 296,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"horizon_seconds\": 300,"), std::string::npos) << r.out;
  for (const char* key : {"mae", "mase", "rel_naive", "rel_seasonal_naive", "smape", "quantile",
                          "coverage", "pinball", "fit_seconds", "update_ns_per_point"}) {
    EXPECT_NE(r.out.find("\"" + std::string(key) + "\": "), std::string::npos) << key;
  }
  // Less than a day of history: no seasonal naive.
  EXPECT_NE(r.out.find("\"rel_seasonal_naive\": null"), std::string::npos) << r.out;
}

TEST_F(ForecastEvalTest, WritesJsonToAFile) {
  const std::string json = (dir_ / "out.json").string();
  const Result r = Run("--trace " + GoodTrace() +
                       " --horizon 60s --model ses --train-fraction "
                       "0.5 --quantile 0.8 --json " +
                       json);
  ASSERT_EQ(r.status, 0) << r.out;
  std::stringstream text;
  text << std::ifstream(json).rdbuf();
  EXPECT_NE(text.str().find("\"points\": 500,"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("\"quantile\": 0.8,"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("\"model\": \"ses\""), std::string::npos) << text.str();
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
  Result r = Run("--trace " + GoodTrace() + " --horizon 1m --config " + config + " --json -");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"model\": \"ses\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"quantile\": 0.8,"), std::string::npos) << r.out;
  r = Run("--trace " + GoodTrace() + " --horizon 1m --config " + config +
          " --policy other --quantile 0.95 --json -");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"model\": \"naive\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"quantile\": 0.95,"), std::string::npos) << r.out;
  r = Run("--trace " + GoodTrace() + " --horizon 1m --config " + config + " --policy nope");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("no policy named \"nope\""), std::string::npos) << r.out;
  const std::string broken = Write("broken.yaml", "policies:\n  - name: x\n    quantile: 7\n");
  r = Run("--trace " + GoodTrace() + " --horizon 1m --config " + broken);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("broken.yaml"), std::string::npos) << r.out;
}

TEST_F(ForecastEvalTest, BadInputExitsTwoNamingTheProblem) {
  const std::string bad = Write("bad.csv", "timestamp,value\n0,1\n60,oops\n120,3\n");
  Result r = Run("--trace " + bad + " --horizon 1m");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("line 3"), std::string::npos) << r.out;
  r = Run("--trace " + GoodTrace() + " --horizon soon");
  EXPECT_EQ(r.status, 2) << r.out;
  r = Run("--trace " + GoodTrace() + " --horizon 1m --model prophet");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("unknown model"), std::string::npos) << r.out;
  r = Run("--trace " + GoodTrace() + " --horizon 1m --train-fraction 1.5");
  EXPECT_EQ(r.status, 2) << r.out;
  r = Run("--trace " + (dir_ / "missing.csv").string() + " --horizon 1m");
  EXPECT_EQ(r.status, 2) << r.out;
  r = Run("--trace " + GoodTrace() + " --horizon 1000m");  // longer than the test part
  EXPECT_EQ(r.status, 2) << r.out;
  r = Run("--horizon 1m");  // missing --trace
  EXPECT_EQ(r.status, 2) << r.out;
}

}  // namespace
