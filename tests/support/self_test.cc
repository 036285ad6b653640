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

}  // namespace
}  // namespace prescale::testsupport
