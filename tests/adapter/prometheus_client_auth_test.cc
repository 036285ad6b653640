// The Prometheus client against back ends as they are run: a gateway that wants a tenant header
// and credentials (basic auth, a bearer token), a URL with a path prefix and a query string
// (Thanos' dedup, Mimir's /prometheus prefix), and a Prometheus that requires a client
// certificate (mTLS). The fake query API records each request's target, headers and certificate.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "adapter/prometheus_client.h"
#include "adapter/prometheus_credentials.h"
#include "tests/support/fake_prometheus.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace prescale::adapter {
namespace {

using testsupport::FakePrometheus;
using testsupport::FakePrometheusTls;
using testsupport::TempDir;
using testsupport::TestCa;

std::variant<std::unique_ptr<PrometheusClient>, std::string> Create(PrometheusClientOptions o) {
  return PrometheusClient::Create(std::move(o));
}

std::string CreateError(PrometheusClientOptions o) {
  auto created = Create(std::move(o));
  return std::holds_alternative<std::string>(created) ? std::get<std::string>(created) : "";
}

std::unique_ptr<PrometheusClient> MustCreate(PrometheusClientOptions o) {
  auto created = Create(std::move(o));
  if (auto* e = std::get_if<std::string>(&created)) {
    ADD_FAILURE() << *e;
    return nullptr;
  }
  return std::move(std::get<std::unique_ptr<PrometheusClient>>(created));
}

bool Ok(const QueryResult& r) {
  if (const auto* e = std::get_if<PrometheusError>(&r)) {
    ADD_FAILURE() << ReasonLabel(e->reason) << ": " << e->message;
    return false;
  }
  return true;
}

// Replaces `to` by `from` with rename(2): a new inode, as a kubelet Secret update makes.
void Replace(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::filesystem::rename(from, to);
}

TEST(PrometheusClientAuthTest, HeadersAndBasicAuthArriveAndARotatedPasswordIsUsed) {
  TempDir dir;
  FakePrometheus fake;
  fake.RequireHeader("X-Scope-OrgID", "tenant-1|tenant-2");
  PrometheusClientOptions o;
  o.url = fake.url();
  o.headers = {{"X-Scope-OrgID", "tenant-1|tenant-2"}, {"X-Custom", "a b\tc"}};
  o.basic_auth_file = dir.WriteFile("auth", "alice:p@ss:word\n").string();
  auto client = MustCreate(o);
  ASSERT_TRUE(client);
  ASSERT_TRUE(Ok(client->QueryRange("up", 1764149400, 1764149430, 15)));
  auto request = fake.last_request();
  EXPECT_EQ(request.Header("X-Scope-OrgID"), "tenant-1|tenant-2");
  EXPECT_EQ(request.Header("X-Custom"), "a b\tc");
  EXPECT_EQ(request.Header("Authorization"), "Basic YWxpY2U6cEBzczp3b3Jk");  // alice:p@ss:word
  EXPECT_EQ(request.Header("Host"), "127.0.0.1:" + std::to_string(fake.port()));

  dir.WriteFile("auth.new", "alice:rotated");
  Replace(dir.File("auth.new"), dir.File("auth"));
  ASSERT_TRUE(Ok(client->Query("up", 1764149400)));
  EXPECT_EQ(fake.last_request().Header("Authorization"), "Basic YWxpY2U6cm90YXRlZA==");

  // Without the tenant header the gateway refuses: a 4xx, not a source failure.
  PrometheusClientOptions bare;
  bare.url = fake.url();
  QueryResult refused = MustCreate(bare)->Query("up", 0);
  ASSERT_TRUE(std::holds_alternative<PrometheusError>(refused));
  EXPECT_EQ(std::get<PrometheusError>(refused).http_status, 401);
}

TEST(PrometheusClientAuthTest, ABearerTokenArrives) {
  TempDir dir;
  FakePrometheus fake;
  PrometheusClientOptions o;
  o.url = fake.url();
  o.token_file = dir.WriteFile("token", "t0ken\n").string();
  ASSERT_TRUE(Ok(MustCreate(o)->Query("up", 0)));
  EXPECT_EQ(fake.last_request().Header("Authorization"), "Bearer t0ken");
}

TEST(PrometheusClientAuthTest, AMalformedBasicAuthFileIsACredentialErrorThatLeaksNothing) {
  TempDir dir;
  FakePrometheus fake;
  PrometheusClientOptions o;
  o.url = fake.url();
  o.basic_auth_file = dir.WriteFile("auth", "s3cret-without-user").string();
  auto client = MustCreate(o);
  QueryResult r = client->Query("up", 0);
  ASSERT_TRUE(std::holds_alternative<PrometheusError>(r));
  const PrometheusError& e = std::get<PrometheusError>(r);
  EXPECT_EQ(e.reason, PrometheusError::Reason::kToken);
  EXPECT_EQ(e.message, "the basic-auth file " + o.basic_auth_file +
                           " must hold user:password (a non-empty user, a colon)");
  dir.WriteFile("auth", "bob:s3cr3t\r\nX-Injected: 1");
  r = client->Query("up", 0);
  ASSERT_TRUE(std::holds_alternative<PrometheusError>(r));
  EXPECT_NE(std::get<PrometheusError>(r).message.find("control character (byte 0x0D at offset 10)"),
            std::string::npos)
      << std::get<PrometheusError>(r).message;
  EXPECT_EQ(std::get<PrometheusError>(r).message.find("s3cr3t"), std::string::npos);
  std::filesystem::remove(dir.File("auth"));
  r = client->Query("up", 0);
  ASSERT_TRUE(std::holds_alternative<PrometheusError>(r));
  EXPECT_EQ(std::get<PrometheusError>(r).message,
            "cannot read the basic-auth file " + o.basic_auth_file);
  EXPECT_EQ(fake.requests(), 0);
}

TEST(PrometheusClientAuthTest, TheUrlQueryStringIsKeptAndSentWithTheQueryParameters) {
  FakePrometheus fake;
  fake.SetPathPrefix("/api/prom");
  PrometheusClientOptions o;
  o.url = fake.url() + "/api/prom/?dedup=true&partial_response=false";
  auto client = MustCreate(o);
  ASSERT_TRUE(Ok(client->QueryRange("sum(x)", 1764149400, 1764149430, 15)));
  auto request = fake.last_request();
  EXPECT_EQ(request.target, "/api/prom/api/v1/query_range?dedup=true&partial_response=false");
  EXPECT_EQ(request.path, "/api/v1/query_range");
  EXPECT_EQ(request.params.at("dedup"), "true");
  EXPECT_EQ(request.params.at("partial_response"), "false");
  EXPECT_EQ(request.params.at("query"), "sum(x)");
  EXPECT_EQ(request.params.at("step"), "15.000");
  ASSERT_TRUE(Ok(client->Query("up", 1764149400)));
  EXPECT_EQ(fake.last_request().target, "/api/prom/api/v1/query?dedup=true&partial_response=false");
}

TEST(PrometheusClientAuthTest, UnusableOptionsAreRefusedAtCreate) {
  TempDir dir;
  PrometheusClientOptions base;
  base.url = "http://prometheus:9090";
  auto with_headers = [&](std::vector<std::pair<std::string, std::string>> headers) {
    PrometheusClientOptions o = base;
    o.headers = std::move(headers);
    return CreateError(o);
  };
  EXPECT_EQ(with_headers({{"X-Scope-OrgID", "t1\r\nX-Evil: 1"}}),
            "--prometheus-header \"X-Scope-OrgID\": the value holds a control character (CR, "
            "LF...), which would split the request");
  EXPECT_EQ(with_headers({{"X Scope", "t1"}}),
            "--prometheus-header \"X Scope\": a header name holds only letters, digits and "
            "!#$%&'*+-.^_`|~");
  EXPECT_EQ(with_headers({{"host", "evil"}}),
            "--prometheus-header \"host\": prescale sets this header itself");
  EXPECT_EQ(with_headers({{"Content-Length", "0"}}),
            "--prometheus-header \"Content-Length\": prescale sets this header itself");
  EXPECT_EQ(with_headers({{"A", "1"}, {"a", "2"}}),
            "--prometheus-header \"a\" is given twice; send one value (Mimir and Cortex join "
            "tenants with '|')");
  EXPECT_EQ(with_headers({{"Authorization", "Bearer static"}}), "");  // no file sets it

  PrometheusClientOptions token = base;
  token.token_file = dir.WriteFile("token", "t").string();
  token.headers = {{"authorization", "Bearer other"}};
  EXPECT_EQ(CreateError(token),
            "--prometheus-header \"authorization\": Authorization is already set by "
            "--prometheus-token-file or --prometheus-basic-auth-file; use one of them");
  token.headers.clear();
  token.basic_auth_file = dir.WriteFile("auth", "u:p").string();
  EXPECT_EQ(CreateError(token),
            "--prometheus-token-file and --prometheus-basic-auth-file exclude each other");

  PrometheusClientOptions query = base;
  query.url = "http://thanos:10902/?dedup=true&time=0";
  EXPECT_EQ(CreateError(query),
            "the Prometheus URL's query sets \"time\", a parameter prescale sets itself for each "
            "query");

  PrometheusClientOptions half = base;
  half.url = "https://prometheus:9090";
  half.client_cert_file = "/x.crt";
  EXPECT_EQ(CreateError(half),
            "--prometheus-client-cert-file and --prometheus-client-key-file go together");
  half.client_key_file = "/x.key";
  half.url = "http://prometheus:9090";
  EXPECT_EQ(CreateError(half), "a Prometheus client certificate needs an https:// Prometheus URL");

  std::pair<std::string, std::string> parsed;
  EXPECT_EQ(ParsePrometheusHeader("X-Scope-OrgID=a=b", &parsed), "");
  EXPECT_EQ(parsed, (std::pair<std::string, std::string>{"X-Scope-OrgID", "a=b"}));
  EXPECT_EQ(ParsePrometheusHeader("X-Scope-OrgID", &parsed),
            "--prometheus-header takes NAME=VALUE (e.g. X-Scope-OrgID=tenant-1)");
}

class PrometheusMtlsTest : public ::testing::Test {
 protected:
  PrometheusClientOptions Options() {
    PrometheusClientOptions o;
    o.url = fake_.url();
    o.ca_file = ca_.cert_file().string();
    o.timeout = std::chrono::seconds(5);
    return o;
  }

  TempDir dir_;
  TestCa ca_{dir_.path(), "prom"};
  testsupport::IssuedCert server_ = ca_.IssueServer("prometheus");
  FakePrometheus fake_{FakePrometheusTls{server_.cert_file.string(), server_.key_file.string(),
                                         ca_.cert_file().string()}};
};

TEST_F(PrometheusMtlsTest, AClientCertificateIsPresentedAndAReplacedPairIsUsed) {
  const auto first = ca_.IssueClient("client-1", "prescale");
  PrometheusClientOptions o = Options();
  o.client_cert_file = dir_.File("tls.crt").string();
  o.client_key_file = dir_.File("tls.key").string();
  std::filesystem::copy_file(first.cert_file, o.client_cert_file);
  std::filesystem::copy_file(first.key_file, o.client_key_file);
  auto client = MustCreate(o);
  ASSERT_TRUE(client);
  ASSERT_TRUE(Ok(client->QueryRange("up", 1764149400, 1764149430, 15)));
  EXPECT_TRUE(fake_.last_request().peer.present);
  EXPECT_EQ(fake_.last_request().peer.common_name, "prescale");

  // cert-manager renews the pair: the next query presents the new certificate.
  const auto second = ca_.IssueClient("client-2", "prescale-renewed");
  Replace(second.key_file, o.client_key_file);
  Replace(second.cert_file, o.client_cert_file);
  ASSERT_TRUE(Ok(client->Query("up", 0)));
  EXPECT_EQ(fake_.last_request().peer.common_name, "prescale-renewed");

  // Half-updated (only the certificate): refused, logged, and the previous pair stays in use.
  const auto third = ca_.IssueClient("client-3", "prescale-third");
  Replace(third.cert_file, o.client_cert_file);
  ASSERT_TRUE(Ok(client->Query("up", 0)));
  EXPECT_EQ(fake_.last_request().peer.common_name, "prescale-renewed");
}

TEST_F(PrometheusMtlsTest, WithoutAClientCertificateTheHandshakeFails) {
  auto client = MustCreate(Options());
  QueryResult r = client->Query("up", 0);
  ASSERT_TRUE(std::holds_alternative<PrometheusError>(r));
  EXPECT_EQ(std::get<PrometheusError>(r).reason, PrometheusError::Reason::kConnect);
  EXPECT_EQ(fake_.requests(), 0);
}

TEST_F(PrometheusMtlsTest, APairThatDoesNotMatchOrDoesNotLoadFailsClearly) {
  const auto a = ca_.IssueClient("a", "a");
  const auto b = ca_.IssueClient("b", "b");
  PrometheusClientOptions o = Options();
  o.client_cert_file = a.cert_file.string();
  o.client_key_file = b.key_file.string();
  EXPECT_EQ(CreateError(o), "the Prometheus client certificate " + o.client_cert_file +
                                " and key " + o.client_key_file + " do not match (not a pair)");
  o.client_key_file = dir_.WriteFile("garbage.key", "not a key").string();
  EXPECT_EQ(CreateError(o), "cannot load the Prometheus client key " + o.client_key_file +
                                ": not a readable, unencrypted PEM private key");
  o.client_key_file = a.key_file.string();
  o.client_cert_file = dir_.File("missing.crt").string();
  EXPECT_NE(CreateError(o).find("cannot load the Prometheus client certificate " +
                                o.client_cert_file + ": "),
            std::string::npos);
}

}  // namespace
}  // namespace prescale::adapter
