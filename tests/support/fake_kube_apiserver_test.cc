// The fake kube-apiserver (TokenReview, SubjectAccessReview, ConfigMaps), the HTTPS client
// against it, and the real kubectl reading through it.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "tests/support/fake_kube_apiserver.h"
#include "tests/support/https_client.h"
#include "tests/support/kubeconfig.h"
#include "tests/support/kubectl.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"
#include "tests/support/tls_http_server.h"

namespace prescale::testsupport {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// ---- fake_kube_apiserver.h + https_client.h ----

class FakeKubeApiserverTest : public ::testing::Test {
 protected:
  // A caller the fake accepts: its own client cert, verifying the fake's serving cert.
  HttpsClientOptions CertCaller() const {
    HttpsClientOptions options;
    options.port = fake_.port();
    options.ca_file = fake_.ca_file().string();
    options.client_cert_file = fake_.caller_cert().cert_file.string();
    options.client_key_file = fake_.caller_cert().key_file.string();
    return options;
  }
  HttpsClientOptions Anonymous() const {
    HttpsClientOptions options;
    options.port = fake_.port();
    options.ca_file = fake_.ca_file().string();
    return options;
  }

  static json TokenReview(const std::string& token) {
    return {{"apiVersion", "authentication.k8s.io/v1"},
            {"kind", "TokenReview"},
            {"spec", {{"token", token}}}};
  }
  static json Sar(const std::string& user, const std::string& resource) {
    return {{"apiVersion", "authorization.k8s.io/v1"},
            {"kind", "SubjectAccessReview"},
            {"spec",
             {{"user", user},
              {"groups", {"system:authenticated"}},
              {"resourceAttributes",
               {{"namespace", "trading"},
                {"verb", "list"},
                {"group", "external.metrics.k8s.io"},
                {"version", "v1beta1"},
                {"resource", resource}}}}}};
  }

  FakeKubeApiserver fake_;
};

TEST_F(FakeKubeApiserverTest, TokenReviewAnswersFromTheTokenTable) {
  fake_.SetToken("good", {"alice", "uid-1", {"traders", "system:authenticated"}, {{"k", {"v"}}}});
  HttpsResult known =
      HttpsPostJson(CertCaller(), FakeKubeApiserver::kTokenReviewPath, TokenReview("good"));
  ASSERT_TRUE(known.ok()) << known.error;
  EXPECT_EQ(known.response->status, 201);
  json status = known.response->Json()["status"];
  EXPECT_EQ(status["authenticated"], true);
  EXPECT_EQ(status["user"]["username"], "alice");
  EXPECT_EQ(status["user"]["uid"], "uid-1");
  EXPECT_EQ(status["user"]["groups"], json({"traders", "system:authenticated"}));
  EXPECT_EQ(status["user"]["extra"]["k"], json({"v"}));

  HttpsResult unknown =
      HttpsPostJson(CertCaller(), FakeKubeApiserver::kTokenReviewPath, TokenReview("bad"));
  ASSERT_TRUE(unknown.ok()) << unknown.error;
  EXPECT_EQ(unknown.response->Json()["status"]["authenticated"], false);
  EXPECT_FALSE(unknown.response->Json()["status"].contains("user"));

  auto records = fake_.Requests(FakeEndpoint::kTokenReview);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].body["spec"]["token"], "good");
  EXPECT_EQ(records[0].caller.kind, CallerIdentity::Kind::kClientCert);
  EXPECT_EQ(records[0].caller.name, "system:serviceaccount:prescale:prescale");
  EXPECT_EQ(records[0].caller.groups, std::vector<std::string>{"system:serviceaccounts"});
}

TEST_F(FakeKubeApiserverTest, SubjectAccessReviewAllowsAndDeniesPerCallback) {
  fake_.SetAuthorizer([](const json& spec) {
    return spec["user"] == "system:serviceaccount:kube-system:horizontal-pod-autoscaler" &&
           spec["resourceAttributes"]["resource"] == "order_flow_rate_forecast";
  });
  HttpsClientOptions caller = CertCaller();
  HttpsResult allowed =
      HttpsPostJson(caller, FakeKubeApiserver::kSubjectAccessReviewPath,
                    Sar("system:serviceaccount:kube-system:horizontal-pod-autoscaler",
                        "order_flow_rate_forecast"));
  ASSERT_TRUE(allowed.ok()) << allowed.error;
  EXPECT_EQ(allowed.response->status, 201);
  EXPECT_EQ(allowed.response->Json()["status"]["allowed"], true);

  HttpsResult denied = HttpsPostJson(caller, FakeKubeApiserver::kSubjectAccessReviewPath,
                                     Sar("mallory", "order_flow_rate_forecast"));
  ASSERT_TRUE(denied.ok()) << denied.error;
  EXPECT_EQ(denied.response->Json()["status"]["allowed"], false);
  EXPECT_EQ(denied.response->Json()["status"]["reason"], "denied by test authorizer");

  fake_.SetAuthorizerDecision([](const json&) {
    return SarDecision{false, true, "nope", "webhook exploded"};
  });
  HttpsResult explicit_deny =
      HttpsPostJson(caller, FakeKubeApiserver::kSubjectAccessReviewPath, Sar("bob", "x"));
  ASSERT_TRUE(explicit_deny.ok()) << explicit_deny.error;
  EXPECT_EQ(explicit_deny.response->Json()["status"]["denied"], true);
  EXPECT_EQ(explicit_deny.response->Json()["status"]["evaluationError"], "webhook exploded");
  EXPECT_FALSE(denied.response->Json()["status"].contains("denied"));
  EXPECT_EQ(fake_.CallCount(FakeEndpoint::kSubjectAccessReview), 3);
  EXPECT_EQ(fake_.Requests(FakeEndpoint::kSubjectAccessReview)[1].body["spec"]["user"], "mallory");
}

TEST_F(FakeKubeApiserverTest, ConfigMapIs404UntilConfigured) {
  HttpsResult missing = HttpsGet(CertCaller(), FakeKubeApiserver::kAuthConfigMapPath);
  ASSERT_TRUE(missing.ok()) << missing.error;
  EXPECT_EQ(missing.response->status, 404);
  EXPECT_EQ(missing.response->Json()["kind"], "Status");
  EXPECT_EQ(missing.response->Json()["reason"], "NotFound");

  AuthenticationConfigMap config;
  config.client_ca_pem = "CLIENT CA PEM";
  config.requestheader_client_ca_pem = fake_.ca().cert_pem();
  config.requestheader_allowed_names = {"front-proxy-client"};
  fake_.SetAuthConfigMap(config);
  HttpsResult found = HttpsGet(CertCaller(), FakeKubeApiserver::kAuthConfigMapPath);
  ASSERT_TRUE(found.ok()) << found.error;
  EXPECT_EQ(found.response->status, 200);
  EXPECT_EQ(found.response->Header("content-type"), "application/json");
  json data = found.response->Json()["data"];
  EXPECT_EQ(data["client-ca-file"], "CLIENT CA PEM");
  EXPECT_EQ(data["requestheader-client-ca-file"], fake_.ca().cert_pem());
  EXPECT_EQ(data["requestheader-allowed-names"], "[\"front-proxy-client\"]");
  EXPECT_EQ(data["requestheader-username-headers"], "[\"X-Remote-User\"]");
  EXPECT_EQ(data["requestheader-group-headers"], "[\"X-Remote-Group\"]");
  EXPECT_EQ(data["requestheader-extra-headers-prefix"], "[\"X-Remote-Extra-\"]");
  EXPECT_FALSE(data.contains("requestheader-uid-headers"));
}

TEST_F(FakeKubeApiserverTest, CallersMustAuthenticate) {
  HttpsResult anonymous =
      HttpsPostJson(Anonymous(), FakeKubeApiserver::kTokenReviewPath, TokenReview("x"));
  ASSERT_TRUE(anonymous.ok()) << anonymous.error;
  EXPECT_EQ(anonymous.response->status, 401);
  EXPECT_EQ(anonymous.response->Json()["reason"], "Unauthorized");

  HttpsResult wrong_token = HttpsGet(Anonymous(), "/version", {{"Authorization", "Bearer nope"}});
  ASSERT_TRUE(wrong_token.ok()) << wrong_token.error;
  EXPECT_EQ(wrong_token.response->status, 401);

  HttpsResult token =
      HttpsGet(Anonymous(), "/version", {{"Authorization", "Bearer " + fake_.caller_token()}});
  ASSERT_TRUE(token.ok()) << token.error;
  EXPECT_EQ(token.response->status, 200);
  EXPECT_EQ(fake_.Requests().back().caller.kind, CallerIdentity::Kind::kToken);

  TempDir dir;
  TestCa stranger(dir.path(), "stranger");
  IssuedCert foreign = stranger.IssueClient("foreign", "eve");
  HttpsClientOptions foreign_caller = Anonymous();
  foreign_caller.client_cert_file = foreign.cert_file.string();
  foreign_caller.client_key_file = foreign.key_file.string();
  HttpsResult rejected = HttpsGet(foreign_caller, "/version");
  EXPECT_FALSE(rejected.ok());  // TLS 1.3: the alert may surface on the first read
  EXPECT_EQ(fake_.CallCount(FakeEndpoint::kVersion), 2);  // the foreign caller never got in
}

TEST_F(FakeKubeApiserverTest, ClientVerifiesTheServerCertificate) {
  HttpsConnection good(CertCaller());
  ASSERT_TRUE(good.connected()) << good.error();
  EXPECT_EQ(good.protocol(), "TLSv1.3");
  EXPECT_NE(good.peer_subject().find("CN=kube-apiserver"), std::string::npos);

  HttpsClientOptions wrong_name = CertCaller();
  wrong_name.server_name = "wrong.example";
  HttpsConnection bad_name(wrong_name);
  EXPECT_FALSE(bad_name.connected());
  EXPECT_NE(bad_name.error().find("certificate verify failed"), std::string::npos)
      << bad_name.error();

  TempDir dir;
  TestCa other(dir.path(), "other");
  HttpsClientOptions wrong_ca = CertCaller();
  wrong_ca.ca_file = other.cert_file().string();
  HttpsConnection bad_ca(wrong_ca);
  EXPECT_FALSE(bad_ca.connected());
  EXPECT_NE(bad_ca.error().find("certificate verify failed"), std::string::npos) << bad_ca.error();
}

TEST_F(FakeKubeApiserverTest, KeepAliveCarriesSeveralRequests) {
  HttpsConnection connection(CertCaller());
  ASSERT_TRUE(connection.connected()) << connection.error();
  for (int i = 0; i < 3; ++i) {
    HttpsResult result = connection.Send({.method = "GET", .target = "/version"});
    ASSERT_TRUE(result.ok()) << i << ": " << result.error;
    EXPECT_EQ(result.response->Json()["gitVersion"], "v1.32.0");
  }
  HttpsResult missing = connection.Send({.method = "GET", .target = "/nope"});
  ASSERT_TRUE(missing.ok()) << missing.error;
  EXPECT_EQ(missing.response->status, 404);
  EXPECT_EQ(fake_.CallCount(FakeEndpoint::kVersion), 3);
  EXPECT_EQ(fake_.CallCount(FakeEndpoint::kOther), 1);
}

TEST_F(FakeKubeApiserverTest, DownRefusesConnectionsAndUpServesAgain) {
  HttpsConnection open(CertCaller());
  ASSERT_TRUE(open.connected()) << open.error();
  int port = fake_.port();
  fake_.SetDown(true);
  EXPECT_TRUE(fake_.down());
  HttpsResult refused = HttpsGet(CertCaller(), "/version");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error, "connect: Connection refused");
  HttpsResult dropped = open.Send({.target = "/version"});
  EXPECT_FALSE(dropped.ok());

  fake_.SetDown(false);
  EXPECT_EQ(fake_.port(), port);
  HttpsResult back = HttpsGet(CertCaller(), "/version");
  ASSERT_TRUE(back.ok()) << back.error;
  EXPECT_EQ(back.response->status, 200);
}

TEST_F(FakeKubeApiserverTest, DelayHoldsResponsesBack) {
  fake_.SetDelay(400ms);
  HttpsConnection impatient(CertCaller());  // the handshake is not delayed
  ASSERT_TRUE(impatient.connected()) << impatient.error();
  impatient.set_timeout(150ms);
  HttpsResult timed_out = impatient.Send({.target = "/version"});
  ASSERT_FALSE(timed_out.ok());
  EXPECT_EQ(timed_out.error, "timeout reading response");
  EXPECT_FALSE(impatient.connected());

  auto start = std::chrono::steady_clock::now();
  HttpsResult slow = HttpsGet(CertCaller(), "/version");
  ASSERT_TRUE(slow.ok()) << slow.error;
  EXPECT_GE(std::chrono::steady_clock::now() - start, 400ms);
}

TEST_F(FakeKubeApiserverTest, MalformedJsonIsABadRequest) {
  HttpsResult result = HttpsSend(CertCaller(), {.method = "POST",
                                                .target = FakeKubeApiserver::kTokenReviewPath,
                                                .headers = {{"Content-Type", "application/json"}},
                                                .body = "{not json"});
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.response->status, 400);
}

TEST_F(FakeKubeApiserverTest, WaitForHttpsReadySeesTheServer) {
  EXPECT_TRUE(WaitForHttpsReady(fake_.port(), "/nope", 5s, nullptr, 401));
  EXPECT_FALSE(WaitForHttpsReady(fake_.port(), "/nope", 300ms, nullptr, 200));
  HttpsRequest version;
  version.target = "/version";
  EXPECT_TRUE(WaitForHttpsReady(CertCaller(), version, 5s));
}

TEST(FakeKubeApiserverOptionsTest, AcceptsClientCertsFromAnExtraCa) {
  TempDir dir;
  TestCa front_proxy_ca(dir.path(), "other");
  IssuedCert client = front_proxy_ca.IssueClient("c", "carol", {"ops"});
  FakeKubeApiserver::Options options;
  options.extra_client_ca_file = front_proxy_ca.cert_file().string();
  FakeKubeApiserver fake(options);
  HttpsClientOptions caller;
  caller.port = fake.port();
  caller.ca_file = fake.ca_file().string();
  caller.client_cert_file = client.cert_file.string();
  caller.client_key_file = client.key_file.string();
  HttpsResult result = HttpsGet(caller, "/version");
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.response->status, 200);
  EXPECT_EQ(fake.Requests().back().caller.name, "carol");
  EXPECT_EQ(fake.Requests().back().caller.groups, std::vector<std::string>{"ops"});
  caller.client_cert_file = fake.caller_cert().cert_file.string();
  caller.client_key_file = fake.caller_cert().key_file.string();
  result = HttpsGet(caller, "/version");
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.response->status, 200);
}

// ---- https_client.h: TLS version control ----

TEST(HttpsClientTlsTest, OldProtocolsFailAgainstTls12ServerButWorkWhenAllowed) {
  TempDir dir;
  TestCa ca(dir.path());
  IssuedCert cert = ca.IssueServer("server");
  auto handler = [](const ServerRequest&) { return ServerResponse{200, {}, "ok"}; };
  HttpsClientOptions tls11;
  tls11.min_tls_version = TLS1_1_VERSION;
  tls11.max_tls_version = TLS1_1_VERSION;
  tls11.cipher_list = "DEFAULT:@SECLEVEL=0";

  TlsHttpServer modern({.cert_file = cert.cert_file, .key_file = cert.key_file}, handler);
  tls11.port = modern.port();
  HttpsResult refused = HttpsGet(tls11, "/");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error.rfind("handshake:", 0), 0u) << refused.error;

  // Positive control: the same client does speak TLS 1.1 to a server that allows it.
  TlsHttpServer legacy({.cert_file = cert.cert_file,
                        .key_file = cert.key_file,
                        .min_tls_version = TLS1_VERSION,
                        .cipher_list = "DEFAULT:@SECLEVEL=0"},
                       handler);
  tls11.port = legacy.port();
  HttpsConnection connection(tls11);
  ASSERT_TRUE(connection.connected()) << connection.error();
  EXPECT_EQ(connection.protocol(), "TLSv1.1");
  HttpsResult ok = connection.Send({.target = "/"});
  ASSERT_TRUE(ok.ok()) << ok.error;
  EXPECT_EQ(ok.response->body, "ok");
}

// ---- kubectl.h ----

TEST_F(FakeKubeApiserverTest, KubectlGetRawReadsTheConfigMap) {
  if (FindKubectl().empty()) GTEST_SKIP() << "kubectl not installed";
  AuthenticationConfigMap config;
  config.requestheader_client_ca_pem = fake_.ca().cert_pem();
  fake_.SetAuthConfigMap(config);

  KubectlOptions options;
  options.kubeconfig = fake_.BaseKubeconfig();
  options.kubeconfig.client_certificate = fake_.caller_cert().cert_file.string();
  options.kubeconfig.client_key = fake_.caller_cert().key_file.string();
  KubectlResult result = KubectlGetRaw(options, FakeKubeApiserver::kAuthConfigMapPath);
  ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
  json body = json::parse(result.stdout_text, nullptr, false);
  ASSERT_FALSE(body.is_discarded()) << result.stdout_text;
  EXPECT_EQ(body["data"]["requestheader-client-ca-file"], fake_.ca().cert_pem());
  EXPECT_EQ(fake_.Requests(FakeEndpoint::kAuthConfigMap).back().caller.name,
            "system:serviceaccount:prescale:prescale");

  KubectlOptions stranger;
  stranger.kubeconfig = fake_.BaseKubeconfig();
  stranger.kubeconfig.token = "not-a-caller-token";
  stranger.timeout = 10s;
  KubectlResult denied = KubectlGetRaw(stranger, FakeKubeApiserver::kAuthConfigMapPath);
  EXPECT_NE(denied.exit_code, 0);
  EXPECT_FALSE(denied.timed_out);
  EXPECT_NE(denied.stderr_text.find("Unauthorized"), std::string::npos) << denied.stderr_text;
  EXPECT_EQ(fake_.Requests().back().status, 401);

  KubectlOptions anonymous;
  anonymous.kubeconfig = fake_.BaseKubeconfig();
  EXPECT_THROW(KubectlGetRaw(anonymous, "/version"), std::invalid_argument);
}

}  // namespace
}  // namespace prescale::testsupport
