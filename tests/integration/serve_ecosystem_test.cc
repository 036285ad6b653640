// What operators of Kubernetes components expect of the real `prescale serve`: the TLS flags in
// Kubernetes' spellings, both IP families, klog's --v and text format, --kubeconfig.
#include <openssl/ssl.h>

#include "tests/integration/serve_fixture.h"

namespace prescale::testing {
namespace {

using namespace std::chrono_literals;

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

}  // namespace
}  // namespace prescale::testing
