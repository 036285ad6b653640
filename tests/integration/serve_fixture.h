// Runs the real `prescale serve --demo-data` with certificates made for the test, a fake of the
// kube-apiserver's TokenReview/SubjectAccessReview endpoints, and clients for it.
#pragma once

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <memory>

#include "tests/support/fake_kube_apiserver.h"
#include "tests/support/https_client.h"
#include "tests/support/kubectl.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace prescale::testing {

using namespace prescale::testsupport;

inline constexpr const char* kPolicy = R"(prometheus:
  url: http://127.0.0.1:9090
refresh: 1s
policies:
  - name: order_flow_rate
    query: sum by (venue) (rate(orders_received_total[1m]))
    step: 15s
    lead: 60s
)";

// The binary under test: $PRESCALE_BIN (set by CTest), else build/bin/prescale.
inline std::string BinaryPath() {
  const char* bin = std::getenv("PRESCALE_BIN");
  return bin ? bin : "build/bin/prescale";
}

class ServeFixture : public ::testing::Test {
 protected:
  // Starts prescale with extra flags; the usual authentication flags are always given. With
  // `demo`, it serves --demo-data; otherwise `policy` must point it at a Prometheus. Waits for
  // /readyz when `wait_ready`.
  void StartServe(std::vector<std::string> extra = {}, const std::string& policy_text = kPolicy,
                  bool demo = true, bool wait_ready = true) {
    if (!dir_) {  // a second StartServe (another replica) reuses the PKI
      dir_ = std::make_unique<TempDir>("prescale-serve");
      server_ca_ = std::make_unique<TestCa>(dir_->path(), "server");
      client_ca_ = std::make_unique<TestCa>(dir_->path(), "client");
      front_ca_ = std::make_unique<TestCa>(dir_->path(), "front-proxy");
      foreign_ca_ = std::make_unique<TestCa>(dir_->path(), "foreign");
      serving_ = server_ca_->IssueServer("serving");
      alice_ = client_ca_->IssueClient("alice", "alice", {"traders"});
      bob_ = client_ca_->IssueClient("bob", "bob");
      front_proxy_ = front_ca_->IssueClient("front-proxy", "front-proxy-client");
      rogue_proxy_ = front_ca_->IssueClient("rogue-proxy", "rogue-proxy");
      foreign_ = foreign_ca_->IssueClient("mallory", "alice");
      fake_ = std::make_unique<FakeKubeApiserver>();
    }
    std::string policy = (dir_->path() / "policy.yaml").string();
    std::ofstream(policy) << policy_text;
    if (!config_path_override_.empty()) policy = config_path_override_;
    policy_file_ = policy;
    port_ = FreeTcpPort();
    std::vector<std::string> argv = {BinaryPath(),
                                     "serve",
                                     "--config",
                                     policy,
                                     "--secure-port",
                                     std::to_string(port_),
                                     "--bind-address",
                                     bind_address_,
                                     "--tls-cert-file",
                                     serving_.cert_file.string(),
                                     "--tls-private-key-file",
                                     serving_.key_file.string(),
                                     "--client-ca-file",
                                     client_ca_->cert_file().string(),
                                     "--requestheader-client-ca-file",
                                     front_ca_->cert_file().string(),
                                     "--requestheader-allowed-names",
                                     "front-proxy-client"};
    const std::string kubeconfig = fake_->kubeconfig_client_cert().string();
    if (one_kubeconfig_flag_)
      argv.insert(argv.end(), {"--kubeconfig", kubeconfig});
    else
      argv.insert(argv.end(), {"--authentication-kubeconfig", kubeconfig,
                               "--authorization-kubeconfig", kubeconfig});
    if (demo) argv.insert(argv.end(), {"--demo-data", "--demo-series", "3"});
    argv.insert(argv.end(), extra.begin(), extra.end());
    process_ = std::make_unique<Process>(Process::Start({argv}));
    if (!wait_ready) return;
    ASSERT_TRUE(WaitForHttpsReady(port_, "/readyz", std::chrono::seconds(30), process_.get()))
        << process_->ReadStderr();
  }

  // StartServe, then let alice read metrics (the fake SubjectAccessReview allows her only).
  void ServeAsAlice(std::vector<std::string> extra, const std::string& policy, bool demo,
                    bool wait_ready = true) {
    StartServe(std::move(extra), policy, demo, wait_ready);
    fake_->SetAuthorizer(
        [](const nlohmann::json& spec) { return spec.value("user", "") == "alice"; });
  }

  // The value of the /metrics sample whose line starts with `series` (e.g.
  // `prescale_metric_stale{policy="flow"}`), read as alice; NaN if absent.
  double MetricSample(const std::string& series) {
    const HttpsResult r = HttpsGet(Client(&alice_), "/metrics");
    if (!r.ok()) return std::nan("");
    const std::string& text = r.response->body;
    for (size_t at = text.find(series); at != std::string::npos; at = text.find(series, at + 1)) {
      if (at != 0 && text[at - 1] != '\n') continue;
      const std::string line = text.substr(at, text.find('\n', at) - at);
      return std::stod(line.substr(line.rfind(' ') + 1));
    }
    return std::nan("");
  }

  HttpsClientOptions Client(const IssuedCert* cert = nullptr) const {
    HttpsClientOptions o;
    o.port = port_;
    o.ca_file = server_ca_file_override_.empty() ? server_ca_->cert_file().string()
                                                 : server_ca_file_override_;
    if (cert) {
      o.client_cert_file = cert->cert_file.string();
      o.client_key_file = cert->key_file.string();
    }
    return o;
  }

  KubectlOptions Kubectl(const IssuedCert* cert, std::string token = "") const {
    KubectlOptions o;
    o.kubeconfig.server = "https://127.0.0.1:" + std::to_string(port_);
    o.kubeconfig.certificate_authority = server_ca_->cert_file().string();
    if (cert) {
      o.kubeconfig.client_certificate = cert->cert_file.string();
      o.kubeconfig.client_key = cert->key_file.string();
    }
    o.kubeconfig.token = std::move(token);
    return o;
  }

  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<TestCa> server_ca_, client_ca_, front_ca_, foreign_ca_;
  IssuedCert serving_, alice_, bob_, front_proxy_, rogue_proxy_, foreign_;
  std::unique_ptr<FakeKubeApiserver> fake_;
  std::unique_ptr<Process> process_;
  std::string policy_file_;
  std::string config_path_override_;     // --config, when set before StartServe
  bool one_kubeconfig_flag_ = false;     // --kubeconfig instead of the two delegation flags
  std::string bind_address_ = "127.0.0.1";
  std::string server_ca_file_override_;  // Client() trusts this CA instead of server_ca_
  int port_ = 0;
};

}  // namespace prescale::testing
