// Exercises every piece of the test-support library against itself and the real kubectl.
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

// ---- temp_dir.h ----

TEST(TempDirTest, CreatesWritesAndRemoves) {
  std::filesystem::path kept;
  {
    TempDir dir;
    kept = dir.path();
    ASSERT_TRUE(std::filesystem::is_directory(kept));
    auto file = dir.WriteFile("a.txt", "hello");
    EXPECT_EQ(ReadFileOrEmpty(file), "hello");
    TempDir other;
    EXPECT_NE(other.path(), dir.path());
  }
  EXPECT_FALSE(std::filesystem::exists(kept));
}

// ---- test_pki.h ----

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

X509Ptr LoadCert(const std::filesystem::path& file) {
  FILE* f = fopen(file.c_str(), "r");
  if (f == nullptr) return nullptr;
  X509Ptr cert(PEM_read_X509(f, nullptr, nullptr, nullptr));
  fclose(f);
  return cert;
}

// X509_V_OK if `leaf` chains to `ca` with `purpose` (X509_PURPOSE_SSL_SERVER/CLIENT).
int Verify(const std::filesystem::path& ca, const std::filesystem::path& leaf, int purpose) {
  X509Ptr ca_cert = LoadCert(ca), leaf_cert = LoadCert(leaf);
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca_cert.get());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf_cert.get(), nullptr);
  X509_STORE_CTX_set_purpose(ctx, purpose);
  int ok = X509_verify_cert(ctx);
  int error = ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return error;
}

TEST(TestPkiTest, ServerCertHasSansAndChainsToCa) {
  TempDir dir;
  TestCa ca(dir.path(), "unit");
  IssuedCert server = ca.IssueServer("server", "prescale", {"prescale.prescale.svc", "10.0.0.7"});
  EXPECT_NE(server.cert_pem.find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_NE(server.key_pem.find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(ReadFileOrEmpty(server.cert_file), server.cert_pem);
  EXPECT_EQ(Verify(ca.cert_file(), server.cert_file, X509_PURPOSE_SSL_SERVER), X509_V_OK);
  EXPECT_NE(Verify(ca.cert_file(), server.cert_file, X509_PURPOSE_SSL_CLIENT), X509_V_OK);

  X509Ptr cert = LoadCert(server.cert_file);
  EXPECT_EQ(X509_check_host(cert.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "prescale.prescale.svc", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "10.0.0.7", 0), 1);
  EXPECT_NE(X509_check_host(cert.get(), "other.example", 0, 0, nullptr), 1);

  TempDir other_dir;
  TestCa other(other_dir.path(), "other");
  EXPECT_NE(Verify(other.cert_file(), server.cert_file, X509_PURPOSE_SSL_SERVER), X509_V_OK);
}

TEST(TestPkiTest, ClientCertCarriesUserAndGroups) {
  TempDir dir;
  TestCa ca(dir.path(), "unit", KeyType::kRsa2048);
  IssuedCert client = ca.IssueClient("front-proxy", "front-proxy-client", {"g1", "g2"});
  EXPECT_EQ(Verify(ca.cert_file(), client.cert_file, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
  EXPECT_NE(Verify(ca.cert_file(), client.cert_file, X509_PURPOSE_SSL_SERVER), X509_V_OK);
  X509Ptr cert = LoadCert(client.cert_file);
  char* subject = X509_NAME_oneline(X509_get_subject_name(cert.get()), nullptr, 0);
  EXPECT_STREQ(subject, "/O=g1/O=g2/CN=front-proxy-client");
  OPENSSL_free(subject);
  EXPECT_EQ(std::filesystem::status(client.key_file).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST(TestPkiTest, ExpiredCertFailsVerification) {
  TempDir dir;
  TestCa ca(dir.path());
  IssuedCert expired = ca.IssueClient("old", "alice", {}, /*expired=*/true);
  EXPECT_EQ(Verify(ca.cert_file(), expired.cert_file, X509_PURPOSE_SSL_CLIENT),
            X509_V_ERR_CERT_HAS_EXPIRED);
}

// ---- process.h ----

TEST(ProcessTest, CapturesOutputEnvironmentAndExitCode) {
  Process p = Process::Start({.argv = {"sh", "-c", "echo out $GREETING; echo err >&2; exit 3"},
                              .env = {{"GREETING", "hi"}}});
  EXPECT_EQ(p.Wait(), 3);
  EXPECT_EQ(p.ReadStdout(), "out hi\n");
  EXPECT_EQ(p.ReadStderr(), "err\n");
  EXPECT_FALSE(p.Running());
}

TEST(ProcessTest, TerminateStopsALongRunningChild) {
  Process p = Process::Start({.argv = {"sleep", "30"}});
  EXPECT_TRUE(p.Running());
  EXPECT_FALSE(p.Wait(100ms).has_value());
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(p.Terminate(), -SIGTERM);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(ProcessTest, EscalatesToSigkillWhenTermIsIgnored) {
  Process p = Process::Start({.argv = {"sh", "-c", "trap '' TERM; echo ready; sleep 30"}});
  ASSERT_TRUE(WaitUntil([&] { return p.ReadStdout() == "ready\n"; }, 5s));
  EXPECT_EQ(p.Terminate(300ms), -SIGKILL);
}

TEST(ProcessTest, MissingProgramThrows) {
  EXPECT_THROW(Process::Start({.argv = {"/nonexistent/prescale"}}), std::runtime_error);
  EXPECT_THROW(Process::Start({.argv = {"no-such-program-prescale"}}), std::runtime_error);
}

TEST(ProcessTest, FreeTcpPortIsBindableAndNotServed) {
  int port = FreeTcpPort();
  ASSERT_GT(port, 0);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  close(fd);
  EXPECT_FALSE(WaitForHttpsReady(port, "/", 300ms));
}

TEST(ProcessTest, WaitForHttpsReadyStopsWhenTheProcessExits) {
  Process p = Process::Start({.argv = {"true"}});
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(WaitForHttpsReady(FreeTcpPort(), "/readyz", 10s, &p));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

// ---- kubeconfig.h ----

TEST(KubeconfigTest, RendersFilesDataAndInsecureVariants) {
  KubeconfigOptions options;
  options.server = "https://127.0.0.1:1234";
  options.certificate_authority = "/tmp/ca.crt";
  options.client_certificate = "/tmp/c.crt";
  options.client_key = "/tmp/c.key";
  std::string text = RenderKubeconfig(options);
  EXPECT_NE(text.find("server: https://127.0.0.1:1234"), std::string::npos) << text;
  EXPECT_NE(text.find("certificate-authority: /tmp/ca.crt"), std::string::npos) << text;
  EXPECT_NE(text.find("client-key: /tmp/c.key"), std::string::npos) << text;
  EXPECT_NE(text.find("current-context: test"), std::string::npos) << text;
  EXPECT_EQ(text.find("insecure-skip-tls-verify"), std::string::npos) << text;

  KubeconfigOptions data;
  data.server = "https://127.0.0.1:1";
  data.token = "abc";
  data.token_file = "/var/run/token";
  std::string insecure = RenderKubeconfig(data);
  EXPECT_NE(insecure.find("tokenFile: /var/run/token"), std::string::npos) << insecure;
  EXPECT_NE(insecure.find("insecure-skip-tls-verify: true"), std::string::npos) << insecure;
  EXPECT_NE(insecure.find("token: abc"), std::string::npos) << insecure;
  data.certificate_authority_data = "PEM";
  EXPECT_NE(RenderKubeconfig(data).find("certificate-authority-data: UEVN"), std::string::npos);
  EXPECT_EQ(Base64Encode("hello!?"), "aGVsbG8hPw==");
}

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
