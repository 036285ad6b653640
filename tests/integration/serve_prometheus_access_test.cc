// `prescale serve` against Prometheus-compatible back ends as they are run: behind an mTLS-only
// endpoint, a gateway that wants a tenant header and basic auth, at a path prefix with a query
// string. The fake query API (HTTPS, client certificate required) records what arrives. Bad
// flags are one line on stderr and exit 2, and header values and passwords are never logged.
#include <sstream>
#include <tuple>

#include "tests/integration/serve_fixture.h"
#include "tests/support/fake_prometheus.h"

namespace prescale::testing {
namespace {

class ServePrometheusAccessTest : public ServeFixture {
 protected:
  void SetUp() override {
    prom_ca_ = std::make_unique<TestCa>(work_.path(), "prom");
    prom_server_ = prom_ca_->IssueServer("prometheus");
    client_ = prom_ca_->IssueClient("prescale-client", "prescale");
    fake_prometheus_ = std::make_unique<FakePrometheus>(
        FakePrometheusTls{prom_server_.cert_file.string(), prom_server_.key_file.string(),
                          prom_ca_->cert_file().string()});
    fake_prometheus_->SetPathPrefix("/prometheus");
  }

  std::string Policy() const {
    return "prometheus:\n  url: " + fake_prometheus_->url() +
           "/prometheus?dedup=true\n  timeout: 2s\nrefresh: 1s\npolicies:\n"
           "  - name: demand\n    query: sum by (venue) (rate(x[1m]))\n    step: 5s\n"
           "    history: 10m\n    lead: 30s\n    model: naive\n    learn_events: false\n"
           "    namespaces: [default]\n";
  }

  // The flags of a serve that can reach the fake.
  std::vector<std::string> Flags() const {
    return {"--prometheus-ca-file",
            prom_ca_->cert_file().string(),
            "--prometheus-client-cert-file",
            client_.cert_file.string(),
            "--prometheus-client-key-file",
            client_.key_file.string(),
            "--prometheus-header",
            "X-Scope-OrgID=tenant-7f3a",
            "--prometheus-header",
            "X-Trace=on",
            "--prometheus-basic-auth-file",
            work_.WriteFile("basic-auth", "prescale:hunter2-9c1e\n").string()};
  }

  // Runs serve with `extra` to completion: {exit code, stderr}.
  std::pair<int, std::string> RunToExit(std::vector<std::string> extra) {
    const std::string policy = work_.WriteFile("policy.yaml", Policy()).string();
    std::vector<std::string> argv = {BinaryPath(),
                                     "serve",
                                     "--config",
                                     policy,
                                     "--cert-dir",
                                     (work_.path() / "c").string(),
                                     "--bind-address",
                                     "127.0.0.1",
                                     "--secure-port",
                                     std::to_string(FreeTcpPort()),
                                     "--authorization-mode",
                                     "AlwaysAllow"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    Process p = Process::Start({argv});
    const std::optional<int> code = p.Wait(std::chrono::seconds(20));
    EXPECT_TRUE(code.has_value()) << "serve did not exit";
    return {code.value_or(-1), p.ReadStderr()};
  }

  TempDir work_{"prescale-prom-access"};
  std::unique_ptr<TestCa> prom_ca_;
  IssuedCert prom_server_, client_;
  std::unique_ptr<FakePrometheus> fake_prometheus_;
};

TEST_F(ServePrometheusAccessTest, HeadersBasicAuthClientCertificateAndUrlQueryArrive) {
  fake_prometheus_->RequireHeader("X-Scope-OrgID", "tenant-7f3a");
  fake_prometheus_->RequireHeader("Authorization", "Basic cHJlc2NhbGU6aHVudGVyMi05YzFl");
  ServeAsAlice(Flags(), Policy(), /*demo=*/false);  // ready: every query was answered
  const FakeRequest request = fake_prometheus_->last_request();
  EXPECT_EQ(request.path, "/api/v1/query_range");
  EXPECT_TRUE(request.target.starts_with("/prometheus/api/v1/query_range?dedup=true"))
      << request.target;
  EXPECT_EQ(request.params.at("dedup"), "true");
  EXPECT_EQ(request.params.at("query"), "sum by (venue) (rate(x[1m]))");
  EXPECT_EQ(request.Header("X-Trace"), "on");
  EXPECT_TRUE(request.peer.present);
  EXPECT_EQ(request.peer.common_name, "prescale");
  EXPECT_EQ(
      MetricSample("prescale_prometheus_queries_total{outcome=\"http_4xx\",policy=\"demand\"}"), 0);
  EXPECT_GE(
      MetricSample("prescale_prometheus_queries_total{outcome=\"success\",policy=\"demand\"}"), 1);
  EXPECT_EQ(process_->Terminate(), 0);
  const std::string log = process_->ReadStderr();
  EXPECT_EQ(log.find("tenant-7f3a"), std::string::npos) << log;
  EXPECT_EQ(log.find("hunter2"), std::string::npos) << log;
  EXPECT_NE(log.find("?dedup=..."), std::string::npos) << log;  // the URL, its values elided
}

TEST_F(ServePrometheusAccessTest, UnusableFlagsAreOneLineAndExit2) {
  const IssuedCert other = prom_ca_->IssueClient("other", "other");
  std::vector<std::string> mismatched = Flags();
  mismatched[5] = other.key_file.string();  // --prometheus-client-key-file of another certificate
  auto [code, err] = RunToExit(mismatched);
  EXPECT_EQ(code, 2);
  EXPECT_EQ(err, "prescale serve: the Prometheus client certificate " + client_.cert_file.string() +
                     " and key " + other.key_file.string() + " do not match (not a pair)\n");

  std::tie(code, err) = RunToExit({"--prometheus-header", "X-Scope-OrgID=t\r\nX-Evil: 1"});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("\"X-Scope-OrgID\": the value holds a control character"), std::string::npos)
      << err;
  EXPECT_EQ(err.find("X-Evil"), std::string::npos) << err;

  std::tie(code, err) = RunToExit({"--prometheus-header", "Host=elsewhere"});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("\"Host\": prescale sets this header itself"), std::string::npos) << err;

  std::tie(code, err) = RunToExit({"--prometheus-header", "no-equals-sign"});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("--prometheus-header takes NAME=VALUE"), std::string::npos) << err;

  const std::string token = work_.WriteFile("token", "t").string();
  std::tie(code, err) = RunToExit({"--prometheus-token-file", token, "--prometheus-header",
                                   "Authorization=Bearer s3cr3t-static"});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("Authorization is already set by --prometheus-token-file"), std::string::npos)
      << err;
  EXPECT_EQ(err.find("s3cr3t-static"), std::string::npos) << err;

  std::tie(code, err) =
      RunToExit({"--prometheus-token-file", token, "--prometheus-basic-auth-file", token});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("exclude each other"), std::string::npos) << err;

  std::tie(code, err) = RunToExit({"--prometheus-client-cert-file", client_.cert_file.string()});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("--prometheus-client-cert-file and --prometheus-client-key-file go together"),
            std::string::npos)
      << err;
  EXPECT_EQ(fake_prometheus_->requests(), 0);
}

}  // namespace
}  // namespace prescale::testing
