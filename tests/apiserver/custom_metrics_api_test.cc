// The custom metrics API through ApiHandler, against custom-metrics-apiserver's expectations
// (installer/apiserver_test.go, provider/errors.go, resource_lister.go): every route form on
// both versions, the shapes of each version, discovery names, errors and the attributes of the
// access review.
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "apiserver/custom_api_types.h"
#include "apiserver/handler.h"
#include "tests/apiserver/test_doubles.h"

namespace prescale::apiserver {
namespace {

using nlohmann::json;

// Serves deployments.apps trading/order-gateway, pods trading/gw-0 and gw-1, node n1 and the
// namespace trading, each with the metrics order_flow_rate and order_flow_rate_forecast.
class FakeCustomProvider : public CustomMetricsProvider {
 public:
  std::vector<CustomMetricValue> objects;
  std::optional<ProviderError> error;
  mutable std::vector<CustomMetricQuery> queries;

  std::vector<CustomMetricInfo> ListAllCustomMetrics() const override {
    return {{"deployments.apps", "order_flow_rate", true},
            {"deployments.apps", "order_flow_rate_forecast", true},
            {"nodes", "order_flow_rate", false}};
  }
  std::variant<std::vector<CustomMetricValue>, ProviderError> GetCustomMetric(
      const CustomMetricQuery& q) const override {
    queries.push_back(q);
    if (error) return *error;
    std::vector<CustomMetricValue> out;
    bool known_metric = false;
    for (const CustomMetricValue& v : objects) {
      if (v.metric_name != q.metric || Resource(v.object) != q.resource || v.object.ns != q.ns)
        continue;
      known_metric = true;
      if (q.name == "*" || v.object.name == q.name) out.push_back(v);
    }
    if (!known_metric || (q.name != "*" && out.empty()))
      return ProviderError{ProviderError::Kind::kNotFound, ""};
    return out;
  }

 private:
  static std::string Resource(const ObjectReference& o) {
    if (o.kind == "Deployment") return "deployments.apps";
    if (o.kind == "Pod") return "pods";
    if (o.kind == "Node") return "nodes";
    return "namespaces";
  }
};

class CustomMetricsApiTest : public ::testing::Test {
 protected:
  CustomMetricsApiTest() {
    const auto t = std::chrono::system_clock::from_time_t(1764149400);
    for (const char* metric : {"order_flow_rate", "order_flow_rate_forecast"}) {
      custom_.objects.push_back(
          {{"Deployment", "apps/v1", "trading", "order-gateway"}, metric, t, 15, 2500.5});
      custom_.objects.push_back({{"Pod", "v1", "trading", "gw-0"}, metric, t, 15, 1000});
      custom_.objects.push_back({{"Pod", "v1", "trading", "gw-1"}, metric, t, 15, 1500});
      custom_.objects.push_back({{"Node", "v1", "", "n1"}, metric, t, 15, 7});
      custom_.objects.push_back({{"Namespace", "v1", "", "trading"}, metric, t, 15, 9});
    }
    reviewer_->decide = [](const AccessAttributes& a) {
      return a.user.name == "hpa" ? AccessReviewResult::Outcome::kAllowed
                                  : AccessReviewResult::Outcome::kDenied;
    };
  }

  HttpResponse Get(const std::string& target, ApiHandler* handler = nullptr,
                   const ClientCertificate* cert = nullptr) {
    HttpRequest r;
    r.method = "GET";
    r.target = target;
    r.certificate = cert ? cert : &admin_;
    ApiHandler& h = handler ? *handler : handler_;
    std::optional<HttpResponse> response = h.Handle(r, false);
    if (!response) response = h.Handle(r, true);
    return *response;
  }

  json GetJson(const std::string& target, int status = 200) {
    const HttpResponse r = Get(target);
    EXPECT_EQ(r.status, status) << target << "\n" << r.body;
    return json::parse(r.body, nullptr, false);
  }

  static ClientCertificate User(std::string name, std::vector<std::string> groups = {}) {
    ClientCertificate c;
    c.present = c.verified_by_client_ca = true;
    c.common_name = std::move(name);
    c.organizations = std::move(groups);
    return c;
  }

  HandlerOptions Options() {
    HandlerOptions o;
    o.version_json = "{}";
    o.custom_metrics = &custom_;
    return o;
  }

  testing::StaticProvider external_;
  FakeCustomProvider custom_;
  std::shared_ptr<testing::ScriptedAccessReviewer> reviewer_ =
      std::make_shared<testing::ScriptedAccessReviewer>();
  Authenticator authenticator_{{}, nullptr};
  Authorizer authorizer_{{}, reviewer_};
  prometheus::Registry registry_;
  ServerMetrics metrics_{registry_};
  ApiHandler handler_{external_, authenticator_, authorizer_, metrics_, Options()};
  ClientCertificate admin_ = User("admin", {"system:masters"});
};

const std::string kV2 = "/apis/custom.metrics.k8s.io/v1beta2";
const std::string kV1 = "/apis/custom.metrics.k8s.io/v1beta1";

TEST_F(CustomMetricsApiTest, GroupAndApisList) {
  const json group = GetJson("/apis/custom.metrics.k8s.io");
  EXPECT_EQ(group["kind"], "APIGroup");
  EXPECT_EQ(group["name"], "custom.metrics.k8s.io");
  EXPECT_EQ(group["versions"],
            json::parse(R"([{"groupVersion":"custom.metrics.k8s.io/v1beta2","version":"v1beta2"},
                           {"groupVersion":"custom.metrics.k8s.io/v1beta1","version":"v1beta1"}])"));
  EXPECT_EQ(group["preferredVersion"]["version"], "v1beta2");
  const json apis = GetJson("/apis");
  ASSERT_EQ(apis["groups"].size(), 2u);
  EXPECT_EQ(apis["groups"][0]["name"], "external.metrics.k8s.io");
  EXPECT_EQ(apis["groups"][1]["name"], "custom.metrics.k8s.io");
}

TEST_F(CustomMetricsApiTest, DiscoveryNamesAreResourceSlashMetric) {
  for (const std::string& version : {kV2, kV1}) {
    const json list = GetJson(version);
    EXPECT_EQ(list["kind"], "APIResourceList");
    EXPECT_EQ(list["apiVersion"], "v1");
    EXPECT_EQ(list["groupVersion"], version.substr(6));
    ASSERT_EQ(list["resources"].size(), 3u);
    EXPECT_EQ(list["resources"][0], json::parse(R"({"name":"deployments.apps/order_flow_rate",
        "singularName":"","namespaced":true,"kind":"MetricValueList","verbs":["get"]})"));
    EXPECT_EQ(list["resources"][1]["name"], "deployments.apps/order_flow_rate_forecast");
    EXPECT_EQ(list["resources"][2]["name"], "nodes/order_flow_rate");
    EXPECT_EQ(list["resources"][2]["namespaced"], false);
    EXPECT_EQ(GetJson(version + "/")["groupVersion"], version.substr(6));
  }
  EXPECT_EQ(Get("/apis/custom.metrics.k8s.io/v1alpha1").status, 404);
}

TEST_F(CustomMetricsApiTest, NamespacedObjectV1beta2Shape) {
  const json list = GetJson(kV2 +
                            "/namespaces/trading/deployments.apps/order-gateway/"
                            "order_flow_rate_forecast");
  EXPECT_EQ(list, json::parse(R"({"kind":"MetricValueList",
      "apiVersion":"custom.metrics.k8s.io/v1beta2","metadata":{},"items":[{
      "describedObject":{"kind":"Deployment","namespace":"trading","name":"order-gateway",
                         "apiVersion":"apps/v1"},
      "metric":{"name":"order_flow_rate_forecast"},"timestamp":"2025-11-26T09:30:00Z",
      "windowSeconds":15,"value":"2500500m"}]})"));
  const CustomMetricQuery& q = custom_.queries.back();
  EXPECT_EQ(q.resource, "deployments.apps");
  EXPECT_EQ(q.ns, "trading");
  EXPECT_EQ(q.name, "order-gateway");
  EXPECT_EQ(q.metric, "order_flow_rate_forecast");
}

TEST_F(CustomMetricsApiTest, NamespacedObjectV1beta1Shape) {
  const json list =
      GetJson(kV1 + "/namespaces/trading/deployments.apps/order-gateway/order_flow_rate");
  EXPECT_EQ(list, json::parse(R"({"kind":"MetricValueList",
      "apiVersion":"custom.metrics.k8s.io/v1beta1","metadata":{},"items":[{
      "describedObject":{"kind":"Deployment","namespace":"trading","name":"order-gateway",
                         "apiVersion":"apps/v1"},
      "metricName":"order_flow_rate","timestamp":"2025-11-26T09:30:00Z",
      "window":15,"value":"2500500m","selector":null}]})"));
}

TEST_F(CustomMetricsApiTest, MetricLabelSelectorIsEchoedAsALabelSelector) {
  const std::string path =
      "/namespaces/trading/deployments.apps/order-gateway/order_flow_rate"
      "?metricLabelSelector=venue%3Dxnas,tier!%3Dtest,zone+in+(a,b),!old";
  const json v2 = GetJson(kV2 + path);
  const json selector = json::parse(R"({"matchLabels":{"venue":"xnas"},"matchExpressions":[
      {"key":"old","operator":"DoesNotExist"},{"key":"tier","operator":"NotIn","values":["test"]},
      {"key":"zone","operator":"In","values":["a","b"]}]})");
  EXPECT_EQ(v2["items"][0]["metric"]["selector"], selector);
  EXPECT_EQ(GetJson(kV1 + path)["items"][0]["selector"], selector);
  EXPECT_EQ(custom_.queries.back().metric_selector.ToString(),
            "!old,tier!=test,venue=xnas,zone in (a,b)");
  // What the HPA sends for an Object metric without a selector (labels.Nothing() prints ""):
  // every series, and no selector in the answer.
  const json none = GetJson(
      kV2 +
      "/namespaces/trading/deployments.apps/order-gateway/order_flow_rate?metricLabelSelector=");
  EXPECT_FALSE(none["items"][0]["metric"].contains("selector"));
  EXPECT_TRUE(custom_.queries.back().metric_selector.Empty());
}

TEST_F(CustomMetricsApiTest, WildcardNameWithLabelSelector) {
  const json list =
      GetJson(kV2 + "/namespaces/trading/pods/*/order_flow_rate?labelSelector=app%3Dgw");
  ASSERT_EQ(list["items"].size(), 2u);
  EXPECT_EQ(list["items"][0]["describedObject"]["name"], "gw-0");
  EXPECT_EQ(list["items"][1]["describedObject"]["kind"], "Pod");
  EXPECT_EQ(list["items"][1]["describedObject"]["apiVersion"], "v1");
  EXPECT_EQ(custom_.queries.back().name, "*");
  EXPECT_EQ(custom_.queries.back().selector.ToString(), "app=gw");
  // A selector with a named object is not the provider's business (as upstream ignores it).
  GetJson(kV2 + "/namespaces/trading/pods/gw-0/order_flow_rate?labelSelector=app%3Dgw");
  EXPECT_TRUE(custom_.queries.back().selector.Empty());
}

TEST_F(CustomMetricsApiTest, ClusterScopedAndNamespaceRoutes) {
  const json node = GetJson(kV2 + "/nodes/n1/order_flow_rate");
  EXPECT_EQ(node["items"][0]["describedObject"], json::parse(R"({"kind":"Node","name":"n1",
      "apiVersion":"v1"})"));
  EXPECT_EQ(custom_.queries.back().ns, "");
  EXPECT_EQ(GetJson(kV2 + "/nodes/*/order_flow_rate")["items"].size(), 1u);
  for (const std::string& path : {kV2 + "/namespaces/trading/metrics/order_flow_rate",
                                  kV1 + "/namespaces/trading/order_flow_rate"}) {
    const json ns = GetJson(path);
    EXPECT_EQ(ns["items"][0]["describedObject"]["kind"], "Namespace") << path;
    EXPECT_EQ(custom_.queries.back().resource, "namespaces");
    EXPECT_EQ(custom_.queries.back().name, "trading");
    EXPECT_EQ(custom_.queries.back().ns, "");
  }
}

TEST_F(CustomMetricsApiTest, NotFoundAsCustomMetricsApiserverSaysIt) {
  const json object =
      GetJson(kV2 + "/namespaces/trading/deployments.apps/no-such/order_flow_rate", 404);
  EXPECT_EQ(object["kind"], "Status");
  EXPECT_EQ(object["reason"], "NotFound");
  EXPECT_EQ(object["code"], 404);
  EXPECT_EQ(object["message"],
            "the server could not find the metric order_flow_rate for deployments.apps no-such");
  EXPECT_EQ(GetJson(kV1 + "/namespaces/trading/pods/*/no_metric", 404)["message"],
            "the server could not find the metric no_metric for pods");
  EXPECT_EQ(GetJson(kV2 + "/nodes/n2/order_flow_rate?metricLabelSelector=a%3Db", 404)["message"],
            "the server could not find the metric order_flow_rate for nodes n2 with selector a=b");
  // The paths upstream's own tests answer 404 before any provider call.
  const size_t calls = custom_.queries.size();
  for (const std::string& path :
       {kV2 + "/blah", kV2 + "/nodes/foo", kV2 + "/namespaces/ns/pods/bar", kV2 + "/namespaces/ns",
        kV2 + "/namespaces/ns/pods/bar/metric/extra", kV2 + "/nodes//m"}) {
    const HttpResponse r = Get(path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(json::parse(r.body)["reason"], "NotFound") << path;
  }
  EXPECT_EQ(custom_.queries.size(), calls);
}

TEST_F(CustomMetricsApiTest, BadSelectorsAre400) {
  const json bad =
      GetJson(kV2 + "/namespaces/trading/pods/*/order_flow_rate?labelSelector=a%3E1", 400);
  EXPECT_EQ(bad["reason"], "BadRequest");
  EXPECT_NE(bad["message"].get<std::string>().find("in labelSelector \"a>1\""), std::string::npos)
      << bad["message"];
  const json bad_metric = GetJson(
      kV1 + "/namespaces/trading/deployments.apps/order-gateway/m?metricLabelSelector=in", 400);
  EXPECT_NE(bad_metric["message"].get<std::string>().find("in metricLabelSelector"),
            std::string::npos);
  EXPECT_EQ(GetJson(kV2 + "/nodes/n1/m?metricLabelSelector=%zz", 400)["message"],
            "malformed query string");
}

TEST_F(CustomMetricsApiTest, ProviderUnavailableIs503) {
  custom_.error = ProviderError{ProviderError::Kind::kUnavailable, "data 700 s old"};
  const json status =
      GetJson(kV2 + "/namespaces/trading/deployments.apps/order-gateway/order_flow_rate", 503);
  EXPECT_EQ(status["reason"], "ServiceUnavailable");
  EXPECT_EQ(status["message"], "data 700 s old");
}

TEST_F(CustomMetricsApiTest, AccessReviewAttributesNameResourceAndMetric) {
  const ClientCertificate hpa = User("hpa");
  ASSERT_EQ(
      Get(kV2 + "/namespaces/trading/deployments.apps/order-gateway/order_flow_rate", nullptr, &hpa)
          .status,
      200);
  AccessAttributes a = reviewer_->seen.back();
  EXPECT_EQ(a.verb, "get");
  EXPECT_EQ(a.group, "custom.metrics.k8s.io");
  EXPECT_EQ(a.version, "v1beta2");
  EXPECT_EQ(a.ns, "trading");
  EXPECT_EQ(a.resource, "deployments.apps");
  EXPECT_EQ(a.subresource, "order_flow_rate");
  EXPECT_EQ(a.name, "order-gateway");
  ASSERT_EQ(Get(kV1 + "/nodes/*/order_flow_rate", nullptr, &hpa).status, 200);
  a = reviewer_->seen.back();
  EXPECT_EQ(a.version, "v1beta1");
  EXPECT_EQ(a.ns, "");
  EXPECT_EQ(a.resource, "nodes");
  EXPECT_EQ(a.subresource, "order_flow_rate");
  EXPECT_EQ(a.name, "*");
  const ClientCertificate mallory = User("mallory");
  const HttpResponse denied =
      Get(kV2 + "/namespaces/trading/pods/*/order_flow_rate", nullptr, &mallory);
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(json::parse(denied.body)["message"],
            "pods.custom.metrics.k8s.io \"*\" is forbidden: User \"mallory\" cannot get resource "
            "\"pods/order_flow_rate\" in API group \"custom.metrics.k8s.io\" in the namespace "
            "\"trading\": "
            "scripted");
}

TEST_F(CustomMetricsApiTest, OpenApiDescribesBothGroups) {
  const json v2 = GetJson("/openapi/v2");
  EXPECT_EQ(v2["swagger"], "2.0");
  EXPECT_TRUE(v2["paths"].contains("/apis/external.metrics.k8s.io/v1beta1/"));
  for (const char* version : {"v1beta2", "v1beta1"}) {
    const std::string base = std::string("/apis/custom.metrics.k8s.io/") + version;
    EXPECT_TRUE(v2["paths"].contains(base + "/namespaces/{namespace}/{resource}/{name}/{metric}"));
    EXPECT_TRUE(v2["paths"].contains(base + "/{resource}/{name}/{metric}"));
    EXPECT_TRUE(v2["paths"].contains(base + "/namespaces/{namespace}/metrics/{metric}"));
    EXPECT_TRUE(v2["definitions"].contains(std::string("io.k8s.metrics.pkg.apis.custom_metrics.") +
                                           version + ".MetricValueList"));
  }
  const std::string v2_text = v2.dump();
  for (size_t at = v2_text.find("#/definitions/"); at != std::string::npos;
       at = v2_text.find("#/definitions/", at + 1)) {
    const size_t start = at + std::string("#/definitions/").size();
    const std::string name = v2_text.substr(start, v2_text.find('"', start) - start);
    EXPECT_TRUE(v2["definitions"].contains(name)) << "/openapi/v2: " << name;
  }
  const json index = GetJson("/openapi/v3");
  for (const char* gv : {"external.metrics.k8s.io/v1beta1", "custom.metrics.k8s.io/v1beta2",
                         "custom.metrics.k8s.io/v1beta1"}) {
    ASSERT_TRUE(index["paths"].contains(std::string("apis/") + gv)) << gv;
    const std::string url = index["paths"][std::string("apis/") + gv]["serverRelativeURL"];
    const json doc = GetJson(url);
    EXPECT_EQ(doc["openapi"], "3.0.0") << url;
    // Every $ref of the document resolves within it.
    const std::string text = doc.dump();
    for (size_t at = text.find("#/components/schemas/"); at != std::string::npos;
         at = text.find("#/components/schemas/", at + 1)) {
      const size_t start = at + std::string("#/components/schemas/").size();
      const std::string name = text.substr(start, text.find('"', start) - start);
      EXPECT_TRUE(doc["components"]["schemas"].contains(name)) << url << ": " << name;
    }
  }
  EXPECT_EQ(Get("/openapi/v3/apis/custom.metrics.k8s.io/v1alpha1").status, 404);
}

TEST_F(CustomMetricsApiTest, RequestsAreCountedByRoute) {
  Get(kV2 + "/nodes/n1/order_flow_rate");
  Get(kV1 + "/nodes/n2/order_flow_rate");
  Get(kV2);
  Get("/apis/custom.metrics.k8s.io");
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_.Collect());
  const std::string text = out.str();
  for (const char* line :
       {"{code=\"200\",path=\"/apis/custom.metrics.k8s.io/{version}/.../{metric}\"} 1",
        "{code=\"404\",path=\"/apis/custom.metrics.k8s.io/{version}/.../{metric}\"} 1",
        "{code=\"200\",path=\"/apis/custom.metrics.k8s.io/{version}\"} 1",
        "{code=\"200\",path=\"/apis/custom.metrics.k8s.io\"} 1"}) {
    EXPECT_NE(text.find(std::string("prescale_http_requests_total") + line), std::string::npos)
        << line;
  }
}

TEST_F(CustomMetricsApiTest, WithoutACustomProviderTheGroupIsNotServed) {
  HandlerOptions options;
  ApiHandler external_only{external_, authenticator_, authorizer_, metrics_, options};
  EXPECT_EQ(Get("/apis/custom.metrics.k8s.io", &external_only).status, 404);
  EXPECT_EQ(Get(kV2 + "/nodes/n1/order_flow_rate", &external_only).status, 404);
  EXPECT_EQ(json::parse(Get("/apis", &external_only).body)["groups"].size(), 1u);
  EXPECT_EQ(json::parse(Get("/openapi/v3", &external_only).body)["paths"].size(), 1u);
  EXPECT_FALSE(json::parse(Get("/openapi/v2", &external_only).body)["paths"].contains(
      kV2 + "/{resource}/{name}/{metric}"));
  EXPECT_EQ(Get("/openapi/v3/apis/custom.metrics.k8s.io/v1beta2", &external_only).status, 404);
}

}  // namespace
}  // namespace prescale::apiserver
