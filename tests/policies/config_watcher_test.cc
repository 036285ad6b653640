#include "policies/config_watcher.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <new>
#include <thread>

namespace prescale::policies {
namespace {

namespace fs = std::filesystem;

std::string PolicyYaml(const std::string& name) {
  return "refresh: 5s\npolicies:\n  - name: " + name + "\n    query: up\n";
}

// A directory laid out the way the kubelet lays out a ConfigMap volume:
//   policy.yaml -> ..data/policy.yaml, ..data -> ..<version>/, ..<version>/policy.yaml
class ConfigMapDir {
 public:
  ConfigMapDir() {
    dir_ = fs::temp_directory_path() /
           ("prescale-watch-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~ConfigMapDir() { fs::remove_all(dir_); }

  std::string path() const { return (dir_ / "policy.yaml").string(); }

  // Publishes new content the way the kubelet does: a new version directory, then an atomic
  // rename of a fresh `..data` symlink over the old one, then removal of the old version.
  void Publish(const std::string& content) {
    const std::string version = "..v" + std::to_string(version_++);
    fs::create_directories(dir_ / version);
    std::ofstream(dir_ / version / "policy.yaml") << content;
    fs::create_directory_symlink(version, dir_ / "..data_tmp");
    fs::rename(dir_ / "..data_tmp", dir_ / "..data");
    if (!fs::exists(dir_ / "policy.yaml", ec_) && !fs::is_symlink(dir_ / "policy.yaml"))
      fs::create_symlink("..data/policy.yaml", dir_ / "policy.yaml");
    if (!previous_.empty()) fs::remove_all(dir_ / previous_);
    previous_ = version;
  }

 private:
  static inline int counter_ = 0;
  fs::path dir_;
  int version_ = 1;
  std::string previous_;
  std::error_code ec_;
};

TEST(ConfigWatcherTest, ReloadsOnSymlinkSwap) {
  ConfigMapDir dir;
  dir.Publish(PolicyYaml("first"));
  std::vector<std::string> delivered;
  ConfigWatcher w(
      dir.path(), nullptr,
      [&](std::shared_ptr<const Config> c) { delivered.push_back(c->policies[0].name); }, nullptr);
  EXPECT_TRUE(w.CheckNow());   // the first load is delivered when no initial config is given
  EXPECT_FALSE(w.CheckNow());  // unchanged content: nothing to do
  dir.Publish(PolicyYaml("second"));
  EXPECT_TRUE(w.CheckNow());
  EXPECT_EQ(delivered, (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(w.current()->policies[0].name, "second");
  EXPECT_EQ(w.reloads(), 2u);
  EXPECT_EQ(w.failures(), 0u);
}

TEST(ConfigWatcherTest, BadReloadKeepsTheOldPolicyAndReportsPositions) {
  ConfigMapDir dir;
  dir.Publish(PolicyYaml("good"));
  auto initial = std::make_shared<const Config>(*LoadConfigFile(dir.path()).config);
  int configs = 0;
  std::vector<ConfigError> errors;
  ConfigWatcher w(
      dir.path(), initial, [&](std::shared_ptr<const Config>) { ++configs; },
      [&](const std::vector<ConfigError>& e) { errors = e; });
  w.Start();  // the initial content is not delivered again
  w.Stop();
  EXPECT_EQ(configs, 0);

  dir.Publish(PolicyYaml("good") + "    quantile: 7\n");
  EXPECT_FALSE(w.CheckNow());
  EXPECT_EQ(configs, 0);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].line, 5);
  EXPECT_EQ(errors[0].column, 15);
  EXPECT_EQ(errors[0].field, "policies[0].quantile");
  EXPECT_EQ(w.current()->policies[0].name, "good");
  EXPECT_EQ(w.failures(), 1u);
  EXPECT_FALSE(w.CheckNow());  // the same bad content is not re-counted
  EXPECT_EQ(w.failures(), 1u);

  dir.Publish(PolicyYaml("fixed"));
  EXPECT_TRUE(w.CheckNow());
  EXPECT_EQ(w.current()->policies[0].name, "fixed");
}

TEST(ConfigWatcherTest, BackgroundThreadPicksUpChanges) {
  ConfigMapDir dir;
  dir.Publish(PolicyYaml("a"));
  std::mutex mu;
  std::condition_variable cv;
  std::string last;
  ConfigWatcher w(
      dir.path(), nullptr,
      [&](std::shared_ptr<const Config> c) {
        std::lock_guard lock(mu);
        last = c->policies[0].name;
        cv.notify_all();
      },
      nullptr, std::chrono::milliseconds(20));
  w.Start();
  {
    std::unique_lock lock(mu);
    EXPECT_EQ(last, "a");  // Start delivers the first load synchronously
  }
  dir.Publish(PolicyYaml("b"));
  std::unique_lock lock(mu);
  EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return last == "b"; }));
  lock.unlock();
  w.Stop();
  w.Stop();  // idempotent
}

TEST(ConfigWatcherTest, OversizedValuesOnReloadKeepTheLastGoodConfig) {
  ConfigMapDir dir;
  dir.Publish(PolicyYaml("good"));
  auto initial = std::make_shared<const Config>(*LoadConfigFile(dir.path()).config);
  int configs = 0;
  std::vector<ConfigError> errors;
  ConfigWatcher w(
      dir.path(), initial, [&](std::shared_ptr<const Config>) { ++configs; },
      [&](const std::vector<ConfigError>& e) { errors = e; });
  w.Start();
  w.Stop();
  // The review's edits: 10 years of 1 s points, a 300-year refresh, a 1 MB name.
  const std::string edits[] = {PolicyYaml("good") + "    step: 1s\n    history: 10y\n",
                               "refresh: 300y\npolicies:\n  - name: good\n    query: up\n",
                               PolicyYaml(std::string(1 << 20, 'n'))};
  const std::string fields[] = {"policies[0].history", "refresh", "policies[0].name"};
  for (int i = 0; i < 3; ++i) {
    dir.Publish(edits[i]);
    EXPECT_FALSE(w.CheckNow()) << fields[i];
    ASSERT_EQ(errors.size(), 1u) << fields[i];
    EXPECT_EQ(errors[0].field, fields[i]);
    EXPECT_GT(errors[0].line, 0) << fields[i];
    EXPECT_EQ(w.current()->policies[0].name, "good");
  }
  EXPECT_EQ(configs, 0);
  EXPECT_EQ(w.failures(), 3u);
}

TEST(ConfigWatcherTest, AnExceptionWhileApplyingIsReportedAndRetried) {
  ConfigMapDir dir;
  dir.Publish(PolicyYaml("a"));
  std::mutex mu;
  std::condition_variable cv;
  int throws_left = 2;
  std::vector<std::string> applied;
  std::vector<std::string> reported;
  ConfigWatcher w(
      dir.path(), std::make_shared<const Config>(*LoadConfigFile(dir.path()).config),
      [&](std::shared_ptr<const Config> c) {
        std::lock_guard lock(mu);
        if (throws_left > 0) {
          --throws_left;
          throw std::bad_alloc();  // e.g. the refresh loop could not build the new plan
        }
        applied.push_back(c->policies[0].name);
        cv.notify_all();
      },
      [&](const std::vector<ConfigError>& e) {
        std::lock_guard lock(mu);
        for (const ConfigError& error : e) reported.push_back(error.ToString());
      },
      std::chrono::milliseconds(20));
  w.Start();
  dir.Publish(PolicyYaml("b"));
  // Two polls throw (nothing applied, the thread carries on and backs off), the third applies.
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return !applied.empty(); }));
    EXPECT_EQ(applied, std::vector<std::string>{"b"});
    ASSERT_EQ(reported.size(), 2u);
    EXPECT_EQ(reported[0], dir.path() + ": internal error: std::bad_alloc");
  }
  w.Stop();
  EXPECT_EQ(w.current()->policies[0].name, "b");
  EXPECT_EQ(w.exceptions(), 2u);
  EXPECT_EQ(w.failures(), 2u);
  EXPECT_EQ(w.reloads(), 1u);
}

TEST(ConfigWatcherTest, MissingFileKeepsTheLastGoodConfig) {
  ConfigMapDir dir;
  dir.Publish(PolicyYaml("a"));
  ConfigWatcher w(dir.path() + ".absent", nullptr, nullptr, nullptr);
  EXPECT_FALSE(w.CheckNow());
  EXPECT_EQ(w.current(), nullptr);
  EXPECT_EQ(w.failures(), 0u);
}

}  // namespace
}  // namespace prescale::policies
