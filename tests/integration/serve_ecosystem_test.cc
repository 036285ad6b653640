// What operators of Kubernetes components expect of the real `prescale serve`: the TLS flags in
// Kubernetes' spellings, both IP families, klog's --v and text format, --kubeconfig.
#include <openssl/ssl.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/integration/serve_fixture.h"

namespace prescale::testing {
namespace {

using namespace std::chrono_literals;
using testsupport::AuthenticationConfigMap;

class ServeEcosystemTest : public ServeFixture {
 protected:
  // Starts serve with flags that may be refused: returns its exit code (or -1 while it runs).
  std::pair<int, std::string> RunRefused(std::vector<std::string> extra) {
    StartServe(std::move(extra), kPolicy, /*demo=*/true, /*wait_ready=*/false);
    const std::optional<int> code = process_->Wait(20s);
    return {code.value_or(-1), process_->ReadStderr()};
  }
};

TEST_F(ServeEcosystemTest, TlsMinVersion13RefusesATls12Client) {
  StartServe({"--tls-min-version", "VersionTLS13"});
  HttpsClientOptions tls12 = Client(&alice_);
  tls12.max_tls_version = TLS1_2_VERSION;
  const HttpsResult refused = HttpsGet(tls12, "/healthz");
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.error.find("handshake"), std::string::npos) << refused.error;
  HttpsConnection tls13(Client(&alice_));
  ASSERT_TRUE(tls13.connected()) << tls13.error();
  EXPECT_EQ(tls13.protocol(), "TLSv1.3");
}

TEST_F(ServeEcosystemTest, CipherSuitesTakeKubernetesNames) {
  StartServe({"--tls-cipher-suites",
              "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"});
  HttpsClientOptions o = Client(&alice_);
  o.max_tls_version = TLS1_2_VERSION;
  HttpsConnection c(o);
  ASSERT_TRUE(c.connected()) << c.error();
  EXPECT_EQ(c.cipher(), "ECDHE-ECDSA-AES256-GCM-SHA384");
  o.cipher_list = "ECDHE-ECDSA-AES128-GCM-SHA256";  // a suite the server was told not to use
  EXPECT_FALSE(HttpsGet(o, "/healthz").ok());
}

TEST_F(ServeEcosystemTest, BadTlsFlagsAreExit2) {
  auto [code, err] = RunRefused({"--tls-min-version", "VersionTLS11"});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("prescale serves TLS 1.2 and 1.3 only"), std::string::npos) << err;
  std::tie(code, err) = RunRefused({"--tls-cipher-suites", "TLS_RSA_WITH_RC4_128_SHA"});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("TLS_RSA_WITH_RC4_128_SHA is not supported"), std::string::npos) << err;
}

TEST_F(ServeEcosystemTest, ServesOnIpv6Loopback) {
  bind_address_ = "::1";
  StartServe({}, kPolicy, /*demo=*/true, /*wait_ready=*/false);
  HttpsClientOptions v6 = Client(&alice_);
  v6.host = "::1";
  HttpsResult r;
  EXPECT_TRUE(WaitUntil([&] { return (r = HttpsGet(v6, "/healthz")).ok(); }, 20s, 100ms));
  HttpsClientOptions v4 = Client(&alice_);
  EXPECT_FALSE(HttpsGet(v4, "/healthz").ok()) << "bound to ::1 only";
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.response->status, 200);
}

TEST_F(ServeEcosystemTest, AWildcardAddressServesBothFamilies) {
  bind_address_ = "0.0.0.0";
  StartServe();
  for (const char* host : {"127.0.0.1", "::1"}) {
    HttpsClientOptions o = Client(&alice_);
    o.host = host;
    const HttpsResult r = HttpsGet(o, "/healthz");
    ASSERT_TRUE(r.ok()) << host << ": " << r.error;
    EXPECT_EQ(r.response->status, 200) << host;
  }
}

TEST_F(ServeEcosystemTest, KlogVerbosityAndTextFormat) {
  StartServe({"--v=4", "--logging-format", "text"});
  EXPECT_EQ(HttpsGet(Client(&foreign_), "/healthz").response->status, 401);  // a debug line
  ASSERT_TRUE(WaitUntil(
      [&] {
        return process_->ReadStderr().find("prescale] \"request unauthenticated\"") !=
               std::string::npos;
      },
      5s, 100ms))
      << process_->ReadStderr();
  const std::string err = process_->ReadStderr();
  const std::string first = err.substr(0, err.find('\n'));
  ASSERT_GE(first.size(), 30u);
  EXPECT_TRUE(first[0] == 'I' || first[0] == 'W') << first;
  EXPECT_EQ(first[14], '.') << first;
  EXPECT_EQ(err.find("{\"ts\""), std::string::npos) << "no JSON lines in text format";
}

TEST_F(ServeEcosystemTest, KubeconfigStandsInForBothDelegationKubeconfigs) {
  one_kubeconfig_flag_ = true;
  StartServe();
  fake_->SetToken("hpa-token", {"system:serviceaccount:kube-system:hpa", "", {}, {}});
  fake_->SetAuthorizer([](const nlohmann::json& spec) {
    return spec.value("user", "") == "system:serviceaccount:kube-system:hpa";
  });
  const HttpsResult r =
      HttpsGet(Client(), "/apis/external.metrics.k8s.io/v1beta1/namespaces/x/order_flow_rate",
               {{"Authorization", "Bearer hpa-token"}});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.response->status, 200) << r.response->body;
  EXPECT_EQ(fake_->CallCount(FakeEndpoint::kTokenReview), 1);
  EXPECT_EQ(fake_->CallCount(FakeEndpoint::kSubjectAccessReview), 1);
}

// Reads as `reader` every 50 ms until stopped; counts anything but 200.
class Hammer {
 public:
  explicit Hammer(HttpsClientOptions reader, std::string path) {
    thread_ = std::thread([this, reader, path] {
      auto c = std::make_unique<HttpsConnection>(reader);
      while (!stop_) {
        HttpsResult r = c->Send({"GET", path});
        if (!r.ok()) {  // the server may close a kept-alive connection: one retry on a new one
          c = std::make_unique<HttpsConnection>(reader);
          r = c->Send({"GET", path});
        }
        ++requests_;
        if (!r.ok() || r.response->status != 200) ++failures_;
        std::this_thread::sleep_for(50ms);
      }
    });
  }
  ~Hammer() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int requests() const { return requests_; }
  int failures() const { return failures_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0}, failures_{0};
  std::thread thread_;
};

TEST_F(ServeEcosystemTest, ARotatedClientCaFileIsTakenWithoutARestartOrAFailedRequest) {
  EnsurePki();
  const std::filesystem::path bundle = dir_->path() / "client-bundle.pem";
  std::ofstream(bundle) << client_ca_->cert_pem();
  client_ca_file_override_ = bundle.string();
  ServeAsAlice({}, kPolicy, /*demo=*/true);
  TestCa next_ca(dir_->path(), "next-client");
  const IssuedCert carol = next_ca.IssueClient("carol", "alice");  // the same user, a new CA
  EXPECT_EQ(HttpsGet(Client(&carol), "/healthz").response->status, 401);

  Hammer alice(Client(&alice_), "/apis/external.metrics.k8s.io/v1beta1");
  std::ofstream(bundle.string() + ".tmp") << client_ca_->cert_pem() << next_ca.cert_pem();
  std::filesystem::rename(bundle.string() + ".tmp", bundle);  // as the kubelet swaps files
  EXPECT_TRUE(WaitUntil(
      [&] { return HttpsGet(Client(&carol), "/healthz").response->status == 200; }, 20s, 250ms))
      << process_->ReadStderr();
  // A broken bundle is refused; what is in force stays.
  std::ofstream(bundle.string() + ".tmp") << "not a certificate";
  std::filesystem::rename(bundle.string() + ".tmp", bundle);
  EXPECT_TRUE(WaitUntil(
      [&] { return MetricSample("prescale_client_ca_reloads_total{result=\"failure\"}") >= 1; },
      20s, 250ms));
  EXPECT_EQ(HttpsGet(Client(&carol), "/healthz").response->status, 200);
  alice.Stop();
  EXPECT_GT(alice.requests(), 50);
  EXPECT_EQ(alice.failures(), 0);
  EXPECT_EQ(MetricSample("prescale_client_ca_reloads_total{result=\"success\"}"), 1);
}

TEST_F(ServeEcosystemTest, ARotationInTheConfigMapIsFollowed) {
  EnsurePki();
  AuthenticationConfigMap cm;
  cm.client_ca_pem = client_ca_->cert_pem();
  cm.requestheader_client_ca_pem = front_ca_->cert_pem();
  cm.requestheader_allowed_names = {"front-proxy-client"};
  fake_->SetAuthConfigMap(cm);
  ca_flags_ = false;
  ServeAsAlice({}, kPolicy, /*demo=*/true);
  TestCa next_ca(dir_->path(), "next-client");
  const IssuedCert carol = next_ca.IssueClient("carol", "alice");
  EXPECT_EQ(HttpsGet(Client(&alice_), "/healthz").response->status, 200);
  EXPECT_EQ(HttpsGet(Client(&carol), "/healthz").response->status, 401);
  Hammer alice(Client(&alice_), "/apis/external.metrics.k8s.io/v1beta1");
  cm.client_ca_pem = client_ca_->cert_pem() + next_ca.cert_pem();
  fake_->SetAuthConfigMap(cm);
  EXPECT_TRUE(WaitUntil(
      [&] { return HttpsGet(Client(&carol), "/healthz").response->status == 200; }, 30s, 250ms))
      << process_->ReadStderr();
  alice.Stop();
  EXPECT_EQ(alice.failures(), 0);
}

}  // namespace
}  // namespace prescale::testing
