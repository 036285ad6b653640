#include "apiserver/serving_cert_reloader.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace prescale::apiserver {
namespace {

namespace fs = std::filesystem;
using testsupport::IssuedCert;
using testsupport::TempDir;
using testsupport::TestCa;
using Result = ServingCertReloader::Result;

class ServingCertReloaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    first_ = ca_.IssueServer("first", "first.example");
    second_ = ca_.IssueServer("second", "second.example");
    Write(cert_, first_.cert_pem);
    Write(key_, first_.key_pem);
  }

  // A new file in place (rename), as the kubelet's atomic writer does.
  static void Write(const fs::path& file, const std::string& text) {
    std::ofstream(file.string() + ".tmp") << text;
    fs::rename(file.string() + ".tmp", file);
  }

  TempDir dir_{"prescale-cert-reload"};
  TestCa ca_{dir_.path(), "reload"};
  IssuedCert first_, second_;
  fs::path cert_ = dir_.path() / "tls.crt";
  fs::path key_ = dir_.path() / "tls.key";
};

TEST_F(ServingCertReloaderTest, LoadsThePairAndReportsItsSubjectAndExpiry) {
  ServingCertReloader reloader(cert_.string(), key_.string());
  EXPECT_NE(reloader.subject().find("CN=first.example"), std::string::npos);
  // TestCa certificates are valid for 24 h from now.
  EXPECT_NEAR(reloader.not_after(), static_cast<double>(std::time(nullptr)) + 86400, 120);
  std::string error;
  EXPECT_EQ(reloader.Poll(&error), Result::kUnchanged);
}

TEST_F(ServingCertReloaderTest, TakesANewPairOnceBothFilesMatch) {
  ServingCertReloader reloader(cert_.string(), key_.string());
  std::string error;
  Write(cert_, second_.cert_pem);  // the key is still the first one's
  EXPECT_EQ(reloader.Poll(&error), Result::kFailed);
  EXPECT_NE(error.find("does not match"), std::string::npos) << error;
  EXPECT_NE(reloader.subject().find("CN=first.example"), std::string::npos);
  // Not retried until a file changes again: one report per change, not one per poll.
  EXPECT_EQ(reloader.Poll(&error), Result::kUnchanged);

  Write(key_, second_.key_pem);
  EXPECT_EQ(reloader.Poll(&error), Result::kReloaded);
  EXPECT_NE(reloader.subject().find("CN=second.example"), std::string::npos);
}

TEST_F(ServingCertReloaderTest, BrokenOrMissingFilesKeepThePairInForce) {
  ServingCertReloader reloader(cert_.string(), key_.string());
  std::string error;
  Write(cert_, "-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n");
  EXPECT_EQ(reloader.Poll(&error), Result::kFailed);
  EXPECT_NE(error.find("no PEM certificate in TLS certificate file " + cert_.string()),
            std::string::npos)
      << error;
  fs::remove(cert_);
  EXPECT_EQ(reloader.Poll(&error), Result::kFailed);
  EXPECT_NE(
      error.find("cannot load TLS certificate " + cert_.string() + ": No such file or directory"),
      std::string::npos)
      << error;
  EXPECT_NE(reloader.subject().find("CN=first.example"), std::string::npos);
  Write(cert_, first_.cert_pem);
  EXPECT_EQ(reloader.Poll(&error), Result::kReloaded);
}

TEST_F(ServingCertReloaderTest, AnUnusablePairAtStartUpIsAnError) {
  Write(key_, second_.key_pem);
  try {
    ServingCertReloader reloader(cert_.string(), key_.string());
    FAIL() << "a key that does not match was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "TLS private key " + key_.string() + " does not match " + cert_.string());
  }
  EXPECT_THROW(ServingCertReloader((dir_.path() / "none.crt").string(), key_.string()),
               std::runtime_error);
}

TEST_F(ServingCertReloaderTest, ThePollerReportsAChange) {
  ServingCertReloader reloader(cert_.string(), key_.string());
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Result> seen;
  reloader.Start(std::chrono::milliseconds(20), [&](Result r, const std::string&, double) {
    std::lock_guard lock(mu);
    seen.push_back(r);
    cv.notify_all();
  });
  Write(key_, second_.key_pem);
  Write(cert_, second_.cert_pem);
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10),
                          [&] { return !seen.empty() && seen.back() == Result::kReloaded; }));
  lock.unlock();
  reloader.Stop();
  EXPECT_NE(reloader.subject().find("CN=second.example"), std::string::npos);
}

TEST_F(ServingCertReloaderTest, ThePollerSurvivesAnExceptionAndRetries) {
  ServingCertReloader reloader(cert_.string(), key_.string());
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<Result, std::string>> seen;
  reloader.Start(std::chrono::milliseconds(20), [&](Result r, const std::string& error, double) {
    std::lock_guard lock(mu);
    seen.emplace_back(r, error);
    cv.notify_all();
    if (seen.size() == 1) throw std::runtime_error("listener failed");
  });
  Write(key_, second_.key_pem);
  Write(cert_, second_.cert_pem);
  std::unique_lock lock(mu);
  // The first report throws; the thread logs it, reports it as a failure and, after backing
  // off, loads the files again.
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return seen.size() >= 3; }));
  EXPECT_EQ(seen[0].first, Result::kReloaded);
  EXPECT_EQ(seen[1].first, Result::kFailed);
  EXPECT_EQ(seen[1].second, "internal error: listener failed");
  EXPECT_EQ(seen[2].first, Result::kReloaded);
  lock.unlock();
  reloader.Stop();
  EXPECT_NE(reloader.subject().find("CN=second.example"), std::string::npos);
}

}  // namespace
}  // namespace prescale::apiserver
