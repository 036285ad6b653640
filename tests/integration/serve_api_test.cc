// The HTTP surface through the real kubectl and a raw TLS client, field by field.
#include <nlohmann/json.hpp>

#include "tests/integration/serve_fixture.h"

namespace prescale::testing {
namespace {

using nlohmann::json;

const std::string kGroup = "/apis/external.metrics.k8s.io/v1beta1";
const std::string kList = kGroup + "/namespaces/trading/";

class ServeApiTest : public ServeFixture {
 protected:
  void SetUp() override {
    StartServe();
    fake_->SetAuthorizer([](const json& spec) { return spec.value("user", "") == "alice"; });
    if (FindKubectl().empty()) GTEST_SKIP() << "no kubectl";
  }

  json KubectlJson(const std::string& path) {
    const KubectlResult r = KubectlGetRaw(Kubectl(&alice_), path);
    EXPECT_EQ(r.exit_code, 0) << path << "\n" << r.stderr_text;
    return json::parse(r.stdout_text, nullptr, false);
  }

  std::set<std::string> Venues(const std::string& selector) {
    const json list = KubectlJson(kList + "order_flow_rate_forecast?labelSelector=" + selector);
    std::set<std::string> venues;
    for (const json& item : list["items"])
      venues.insert(item["metricLabels"]["venue"].get<std::string>());
    return venues;
  }
};

TEST_F(ServeApiTest, DiscoveryThroughKubectl) {
  const json resources = KubectlJson(kGroup);
  EXPECT_EQ(resources["kind"], "APIResourceList");
  EXPECT_EQ(resources["apiVersion"], "v1");
  EXPECT_EQ(resources["groupVersion"], "external.metrics.k8s.io/v1beta1");
  ASSERT_EQ(resources["resources"].size(), 2u);
  EXPECT_EQ(resources["resources"][0]["name"], "order_flow_rate");
  EXPECT_EQ(resources["resources"][1]["name"], "order_flow_rate_forecast");
  EXPECT_EQ(resources["resources"][1]["namespaced"], true);
  EXPECT_EQ(resources["resources"][1]["kind"], "ExternalMetricValueList");
  EXPECT_EQ(resources["resources"][1]["verbs"], json::array({"get"}));
  EXPECT_EQ(KubectlJson("/apis")["groups"][0]["name"], "external.metrics.k8s.io");
  EXPECT_EQ(KubectlJson("/apis/external.metrics.k8s.io")["preferredVersion"]["version"], "v1beta1");
}

TEST_F(ServeApiTest, ListEndpointThroughKubectl) {
  const json list = KubectlJson(kList + "order_flow_rate_forecast");
  EXPECT_EQ(list["kind"], "ExternalMetricValueList");
  EXPECT_EQ(list["apiVersion"], "external.metrics.k8s.io/v1beta1");
  ASSERT_EQ(list["items"].size(), 3u);
  for (const json& item : list["items"]) {
    EXPECT_EQ(item["metricName"], "order_flow_rate_forecast");
    EXPECT_TRUE(item["metricLabels"].contains("venue"));
    EXPECT_EQ(item["window"], 15);
    const std::string ts = item["timestamp"];
    EXPECT_EQ(ts.size(), 20u);  // 2026-11-27T09:30:00Z
    EXPECT_EQ(ts.back(), 'Z');
    const std::string value = item["value"];
    EXPECT_FALSE(value.empty());
    EXPECT_EQ(value.find('.'), std::string::npos);  // canonical Quantity: no fraction
  }
}

TEST_F(ServeApiTest, EverySelectorOperator) {
  using S = std::set<std::string>;
  EXPECT_EQ(Venues("venue%3Dxnas"), S({"xnas"}));
  EXPECT_EQ(Venues("venue%3D%3Dxnys"), S({"xnys"}));
  EXPECT_EQ(Venues("venue!%3Dxnas"), S({"xnys", "arcx"}));
  EXPECT_EQ(Venues("venue+in+(xnas,arcx)"), S({"xnas", "arcx"}));
  EXPECT_EQ(Venues("venue%20notin%20(xnas,arcx)"), S({"xnys"}));
  EXPECT_EQ(Venues("venue"), S({"xnas", "xnys", "arcx"}));
  EXPECT_EQ(Venues("!venue"), S());
  EXPECT_EQ(Venues("venue%3Dxnas,venue!%3Dxnas"), S());
}

TEST_F(ServeApiTest, ErrorsAsKubernetesStatus) {
  const KubectlResult unknown = KubectlGetRaw(Kubectl(&alice_), kList + "no_such_metric");
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.stderr_text.find("NotFound"), std::string::npos) << unknown.stderr_text;

  const HttpsResult r = HttpsGet(Client(&alice_), kList + "no_such_metric");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.response->status, 404);
  EXPECT_EQ(r.response->Header("Content-Type"), "application/json");
  const json status = r.response->Json();
  EXPECT_EQ(status["kind"], "Status");
  EXPECT_EQ(status["code"], 404);
  EXPECT_EQ(status["reason"], "NotFound");

  const HttpsResult bad =
      HttpsGet(Client(&alice_), kList + "order_flow_rate?labelSelector=venue%3E1");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad.response->status, 400);
  EXPECT_EQ(bad.response->Json()["reason"], "BadRequest");
  const KubectlResult bad_kubectl =
      KubectlGetRaw(Kubectl(&alice_), kList + "order_flow_rate?labelSelector=in");
  EXPECT_NE(bad_kubectl.exit_code, 0);
  EXPECT_NE(bad_kubectl.stderr_text.find("BadRequest"), std::string::npos)
      << bad_kubectl.stderr_text;

  HttpsRequest post;
  post.method = "POST";
  post.target = kList + "order_flow_rate";
  const HttpsResult method = HttpsSend(Client(&alice_), post);
  ASSERT_TRUE(method.ok());
  EXPECT_EQ(method.response->status, 405);
}

TEST_F(ServeApiTest, ProtobufFirstAcceptGetsJsonOnAKeptAliveConnection) {
  HttpsConnection connection(Client(&alice_));
  ASSERT_TRUE(connection.connected()) << connection.error();
  HttpsRequest request;
  request.target = kList + "order_flow_rate?labelSelector=venue%3Dxnas";
  request.headers = {{"Accept", "application/vnd.kubernetes.protobuf, */*"}};
  for (int i = 0; i < 3; ++i) {
    const HttpsResult r = connection.Send(request);
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.response->status, 200);
    EXPECT_EQ(r.response->Header("Content-Type"), "application/json");
    EXPECT_EQ(r.response->Json()["items"].size(), 1u);
  }
}

TEST_F(ServeApiTest, HealthVersionOpenApiMetrics) {
  for (const char* path : {"/healthz", "/livez", "/readyz"}) {
    const HttpsResult r = HttpsGet(Client(), path);  // anonymous: always-allowed paths
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.response->status, 200) << path;
    EXPECT_EQ(r.response->body, "ok");
  }
  EXPECT_EQ(KubectlJson("/version")["gitVersion"].get<std::string>().substr(0, 2), "v0");
  EXPECT_EQ(KubectlJson("/openapi/v2")["swagger"], "2.0");
  const json index = KubectlJson("/openapi/v3");
  EXPECT_TRUE(index["paths"].contains("apis/external.metrics.k8s.io/v1beta1"));
  const KubectlResult metrics = KubectlGetRaw(Kubectl(&alice_), "/metrics");
  EXPECT_EQ(metrics.exit_code, 0);
  EXPECT_NE(metrics.stdout_text.find("prescale_served_value{"), std::string::npos);
  EXPECT_NE(metrics.stdout_text.find("prescale_http_requests_total{"), std::string::npos);
}

TEST_F(ServeApiTest, OldTlsVersionsAreRefused) {
  for (int version : {TLS1_VERSION, TLS1_1_VERSION}) {
    HttpsClientOptions o = Client(&alice_);
    o.min_tls_version = o.max_tls_version = version;
    o.cipher_list = "DEFAULT:@SECLEVEL=0";
    const HttpsResult r = HttpsGet(o, "/healthz");
    EXPECT_FALSE(r.ok()) << "TLS version " << version << " was accepted";
  }
  for (int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    HttpsClientOptions o = Client(&alice_);
    o.min_tls_version = o.max_tls_version = version;
    HttpsConnection c(o);
    ASSERT_TRUE(c.connected()) << c.error();
    EXPECT_EQ(c.protocol(), version == TLS1_2_VERSION ? "TLSv1.2" : "TLSv1.3");
  }
}

}  // namespace
}  // namespace prescale::testing
