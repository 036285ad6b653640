// `prescale serve` start-up: bad flags, files and settings are one line on stderr and exit 2;
// a good start logs JSON lines.
#include <nlohmann/json.hpp>
#include <sstream>
#include <tuple>

#include "tests/integration/serve_fixture.h"

namespace prescale::testing {
namespace {

class ServeStartupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<TempDir>("prescale-startup");
    policy_ = (dir_->path() / "policy.yaml").string();
    std::ofstream(policy_) << kPolicy;
  }

  // Runs serve to completion (it must exit by itself) and returns {exit code, stderr}.
  std::pair<int, std::string> Run(std::vector<std::string> args) {
    args.insert(args.begin(), {BinaryPath(), "serve"});
    Process p = Process::Start({args});
    const std::optional<int> code = p.Wait(std::chrono::seconds(20));
    EXPECT_TRUE(code.has_value()) << "serve did not exit";
    return {code.value_or(-1), p.ReadStderr()};
  }

  static int Lines(const std::string& text) {
    return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  }

  std::unique_ptr<TempDir> dir_;
  std::string policy_;
};

TEST_F(ServeStartupTest, UnknownFlagIsExit2) {
  const auto [code, err] = Run({"--config", policy_, "--no-such-flag"});
  EXPECT_EQ(code, 2);
  EXPECT_EQ(Lines(err), 1) << err;
  EXPECT_NE(err.find("no-such-flag"), std::string::npos) << err;
}

TEST_F(ServeStartupTest, UnreadableCertificateIsOneLineAndExit2) {
  const auto [code, err] = Run(
      {"--config", policy_, "--demo-data", "--authorization-mode", "AlwaysAllow", "--bind-address",
       "127.0.0.1", "--secure-port", std::to_string(FreeTcpPort()), "--tls-cert-file",
       "/nonexistent/cert.pem", "--tls-private-key-file", "/nonexistent/key.pem"});
  EXPECT_EQ(code, 2);
  const std::string last = err.substr(err.rfind('\n', err.size() - 2) + 1);
  EXPECT_NE(last.find("cannot load TLS certificate /nonexistent/cert.pem"), std::string::npos)
      << err;
}

TEST_F(ServeStartupTest, UnreadableClientCaIsExit2) {
  const auto [code, err] = Run({"--config", policy_, "--demo-data", "--authorization-mode",
                                "AlwaysAllow", "--client-ca-file", "/nonexistent/ca.pem",
                                "--cert-dir", (dir_->path() / "certs").string()});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("cannot read /nonexistent/ca.pem"), std::string::npos) << err;
}

TEST_F(ServeStartupTest, NoAuthorizationOutsideAClusterRefusesToStart) {
  const auto [code, err] =
      Run({"--config", policy_, "--demo-data", "--cert-dir", (dir_->path() / "certs").string()});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("--authorization-kubeconfig"), std::string::npos) << err;
}

TEST_F(ServeStartupTest, BoundsFlagsOutOfRangeAreExit2) {
  auto [code, err] = Run({"--config", policy_, "--prometheus-max-answer-bytes", "100"});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("--prometheus-max-answer-bytes"), std::string::npos) << err;
  std::tie(code, err) = Run({"--config", policy_, "--max-history-bytes", "lots"});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("--max-history-bytes"), std::string::npos) << err;
  std::tie(code, err) =
      Run({"--config", policy_, "--authorization-mode", "AlwaysAllow", "--bind-address",
           "127.0.0.1", "--secure-port", std::to_string(FreeTcpPort()), "--cert-dir",
           (dir_->path() / "certs").string(), "--prometheus-timeout", "25h"});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("--prometheus-timeout: must be positive and at most 24h"), std::string::npos)
      << err;
}

TEST_F(ServeStartupTest, BadPolicyFileNamesFileLineAndField) {
  const std::string bad = (dir_->path() / "bad.yaml").string();
  std::ofstream(bad) << "policies:\n  - name: x\n    query: up\n    quantile: 2\n";
  const auto [code, err] =
      Run({"--config", bad, "--demo-data", "--authorization-mode", "AlwaysAllow"});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find(bad + ":4:15: policies[0].quantile:"), std::string::npos) << err;
}

// check-config and serve accept the same files: a calendar written with day names passes both
// (serve once stopped on it), with the refresh loop, not the demo source, loading the policy.
TEST_F(ServeStartupTest, ServeRunsOnWhatCheckConfigAccepts) {
  const std::string file = (dir_->path() / "names.yaml").string();
  std::ofstream(file) << "policies:\n  - name: flow\n    query: up\n    events:\n"
                         "      - {name: open, schedule: \"30 9 * * mon-fri\", timezone: "
                         "America/New_York}\n      - {name: fix, schedule: \"0 9 */2 * 1-5\"}\n";
  Process check = Process::Start({{BinaryPath(), "check-config", file}});
  EXPECT_EQ(check.Wait(std::chrono::seconds(10)).value_or(-1), 0) << check.ReadStderr();
  const int port = FreeTcpPort();
  Process serve =
      Process::Start({{BinaryPath(), "serve", "--config", file, "--prometheus-url",
                       "http://127.0.0.1:" + std::to_string(FreeTcpPort()), "--authorization-mode",
                       "AlwaysAllow", "--bind-address", "127.0.0.1", "--secure-port",
                       std::to_string(port), "--cert-dir", (dir_->path() / "certs").string()}});
  // Prometheus is not there: serve keeps running, healthy and not ready.
  ASSERT_TRUE(WaitForHttpsReady(port, "/healthz", std::chrono::seconds(20), &serve))
      << serve.ReadStderr();
  EXPECT_EQ(serve.Terminate(), 0) << serve.ReadStderr();
}

TEST_F(ServeStartupTest, SelfSignedCertificateAndJsonLogs) {
  const int port = FreeTcpPort();
  const std::string cert_dir = (dir_->path() / "certs").string();
  Process p = Process::Start({{BinaryPath(), "serve", "--config", policy_, "--demo-data",
                               "--authorization-mode", "AlwaysAllow", "--bind-address", "127.0.0.1",
                               "--secure-port", std::to_string(port), "--cert-dir", cert_dir}});
  ASSERT_TRUE(WaitForHttpsReady(port, "/readyz", std::chrono::seconds(20), &p)) << p.ReadStderr();
  HttpsClientOptions client;
  client.port = port;
  client.ca_file = cert_dir + "/apiserver.crt";  // the generated certificate verifies as localhost
  const HttpsResult r = HttpsGet(client, "/healthz");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.response->body, "ok");
  EXPECT_EQ(p.Terminate(), 0);  // SIGTERM is a clean shutdown
  std::istringstream lines(p.ReadStderr());
  int count = 0;
  for (std::string line; std::getline(lines, line); ++count) {
    const auto parsed = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << line;
    EXPECT_TRUE(parsed.contains("ts") && parsed.contains("level") && parsed.contains("msg"))
        << line;
  }
  EXPECT_GE(count, 3);
}

}  // namespace
}  // namespace prescale::testing
