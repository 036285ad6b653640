// custom.metrics.k8s.io of the real server through the real kubectl, over TLS with client
// certificates: every route form on both versions, the attributes of each SubjectAccessReview,
// errors, and Object values equal to the external values of the same series at the same
// snapshot (the demo source publishes one snapshot an hour here, so every request reads the same).
#include <nlohmann/json.hpp>

#include "tests/integration/serve_fixture.h"

namespace prescale::testing {
namespace {

using nlohmann::json;

// Demo series are venues xnas, xnys, arcx. Objects: one deployment per venue in `trading`
// (flow), the static deployment trading/order-gateway (gateway), one node per venue (load), the
// namespace trading (desk).
constexpr const char* kCustomPolicy = R"(prometheus:
  url: http://127.0.0.1:9090
refresh: 1h
policies:
  - name: flow
    query: sum by (venue) (rate(orders_received_total[1m]))
    namespaces: [trading]
    object: {resource: deployments.apps, namespace: trading, name: {label: venue}}
  - name: gateway
    query: sum by (venue) (rate(orders_received_total[1m]))
    object: {resource: deployments.apps, namespace: trading, name: order-gateway}
  - name: load
    query: sum by (venue) (rate(orders_received_total[1m]))
    namespaces: ["*"]
    object: {resource: nodes, name: {label: venue}}
  - name: desk
    query: sum by (venue) (rate(orders_received_total[1m]))
    object: {resource: namespaces, name: trading}
)";

const std::string kExternal = "/apis/external.metrics.k8s.io/v1beta1/namespaces/trading/";

class ServeCustomTest : public ServeFixture {
 protected:
  void SetUp() override {
    if (FindKubectl().empty()) GTEST_SKIP() << "no kubectl";
    StartServe({"--authorization-webhook-cache-authorized-ttl", "0s",
                "--authorization-webhook-cache-unauthorized-ttl", "0s"},
               kCustomPolicy);
    fake_->SetAuthorizer([](const json& spec) { return spec.value("user", "") == "alice"; });
  }

  json KubectlJson(const std::string& path) {
    const KubectlResult r = KubectlGetRaw(Kubectl(&alice_), path);
    EXPECT_EQ(r.exit_code, 0) << path << "\n" << r.stderr_text;
    return json::parse(r.stdout_text, nullptr, false);
  }

  // The resourceAttributes of the last SubjectAccessReview the fake received.
  json LastReview() {
    const auto reviews = fake_->Requests(FakeEndpoint::kSubjectAccessReview);
    return reviews.empty() ? json() : reviews.back().body["spec"]["resourceAttributes"];
  }

  // The names of the described objects of a list.
  static std::vector<std::string> ObjectNames(const json& list) {
    std::vector<std::string> out;
    for (const json& item : list["items"]) out.push_back(item["describedObject"]["name"]);
    return out;
  }
};

using NameList = std::vector<std::string>;

TEST_F(ServeCustomTest, DiscoveryOfBothVersions) {
  const json group = KubectlJson("/apis/custom.metrics.k8s.io");
  EXPECT_EQ(group["preferredVersion"]["groupVersion"], "custom.metrics.k8s.io/v1beta2");
  EXPECT_EQ(group["versions"].size(), 2u);
  EXPECT_EQ(KubectlJson("/apis")["groups"][1]["name"], "custom.metrics.k8s.io");
  for (const std::string version : {"v1beta2", "v1beta1"}) {
    const json list = KubectlJson("/apis/custom.metrics.k8s.io/" + version);
    EXPECT_EQ(list["groupVersion"], "custom.metrics.k8s.io/" + version);
    NameList names;
    for (const json& r : list["resources"]) {
      names.push_back(r["name"]);
      EXPECT_EQ(r["kind"], "MetricValueList");
      EXPECT_EQ(r["verbs"], json::array({"get"}));
      EXPECT_EQ(r["namespaced"], names.back().rfind("deployments.apps/", 0) == 0);
    }
    EXPECT_EQ(names, NameList({"deployments.apps/flow", "deployments.apps/flow_forecast",
                               "deployments.apps/gateway", "deployments.apps/gateway_forecast",
                               "namespaces/desk", "namespaces/desk_forecast", "nodes/load",
                               "nodes/load_forecast"}));
  }
}

TEST_F(ServeCustomTest, EveryRouteFormOnBothVersionsWithItsAccessReview) {
  for (const std::string version : {"v1beta2", "v1beta1"}) {
    const std::string base = "/apis/custom.metrics.k8s.io/" + version;
    const json attrs_base = {
        {"group", "custom.metrics.k8s.io"}, {"version", version}, {"verb", "get"}};
    // A namespaced object by name.
    json list = KubectlJson(base + "/namespaces/trading/deployments.apps/xnas/flow_forecast");
    EXPECT_EQ(list["apiVersion"], "custom.metrics.k8s.io/" + version);
    ASSERT_EQ(list["items"].size(), 1u);
    const json& item = list["items"][0];
    EXPECT_EQ(item["describedObject"],
              json::parse(R"({"kind":"Deployment","namespace":"trading","name":"xnas",
                              "apiVersion":"apps/v1"})"));
    if (version == "v1beta2") {
      EXPECT_EQ(item["metric"], json::parse(R"({"name":"flow_forecast"})"));
      EXPECT_EQ(item["windowSeconds"], 15);
    } else {
      EXPECT_EQ(item["metricName"], "flow_forecast");
      EXPECT_EQ(item["window"], 15);
      EXPECT_TRUE(item["selector"].is_null());
    }
    json want = attrs_base;
    want.update({{"namespace", "trading"},
                 {"resource", "deployments.apps"},
                 {"subresource", "flow_forecast"},
                 {"name", "xnas"}});
    EXPECT_EQ(LastReview(), want);

    // Every object of the namespace matching a labelSelector (the series' labels).
    list = KubectlJson(base +
                       "/namespaces/trading/deployments.apps/*/flow?labelSelector=venue+in+"
                       "(xnas,arcx)");
    EXPECT_EQ(ObjectNames(list), NameList({"arcx", "xnas"}));
    want["name"] = "*";
    want["subresource"] = "flow";
    EXPECT_EQ(LastReview(), want);

    // The static object, the sum of every series, with a metricLabelSelector.
    list = KubectlJson(base +
                       "/namespaces/trading/deployments.apps/order-gateway/gateway"
                       "?metricLabelSelector=venue!%3Dxnys");
    EXPECT_EQ(ObjectNames(list), NameList({"order-gateway"}));
    const json selector = version == "v1beta2" ? list["items"][0]["metric"]["selector"]
                                               : list["items"][0]["selector"];
    EXPECT_EQ(selector, json::parse(R"({"matchExpressions":[{"key":"venue","operator":"NotIn",
                                        "values":["xnys"]}]})"));

    // Cluster-scoped objects, by name and all of them.
    list = KubectlJson(base + "/nodes/xnys/load_forecast");
    EXPECT_EQ(list["items"][0]["describedObject"],
              json::parse(R"({"kind":"Node","name":"xnys","apiVersion":"v1"})"));
    want = attrs_base;
    want.update({{"namespace", ""},
                 {"resource", "nodes"},
                 {"subresource", "load_forecast"},
                 {"name", "xnys"}});
    EXPECT_EQ(LastReview(), want);
    EXPECT_EQ(ObjectNames(KubectlJson(base + "/nodes/*/load")), NameList({"arcx", "xnas", "xnys"}));

    // The namespace object.
    list = KubectlJson(base + "/namespaces/trading/metrics/desk");
    EXPECT_EQ(list["items"][0]["describedObject"],
              json::parse(R"({"kind":"Namespace","name":"trading","apiVersion":"v1"})"));
    want = attrs_base;
    want.update({{"namespace", "trading"}, {"resource", "metrics"}, {"name", "desk"}});
    EXPECT_EQ(LastReview(), want);
  }
}

TEST_F(ServeCustomTest, ObjectValuesEqualExternalValuesAtTheSameSnapshot) {
  const json external = KubectlJson(kExternal + "flow_forecast");
  ASSERT_EQ(external["items"].size(), 3u);
  for (const json& series : external["items"]) {
    const std::string venue = series["metricLabels"]["venue"];
    for (const std::string version : {"v1beta2", "v1beta1"}) {
      const json object =
          KubectlJson("/apis/custom.metrics.k8s.io/" + version +
                      "/namespaces/trading/deployments.apps/" + venue + "/flow_forecast");
      ASSERT_EQ(object["items"].size(), 1u);
      EXPECT_EQ(object["items"][0]["value"], series["value"]) << venue;
      EXPECT_EQ(object["items"][0]["timestamp"], series["timestamp"]) << venue;
    }
  }
  // One venue, through the static object and its metricLabelSelector.
  const json xnas = KubectlJson(kExternal + "gateway?labelSelector=venue%3Dxnas");
  const json gateway = KubectlJson(
      "/apis/custom.metrics.k8s.io/v1beta2/namespaces/trading/deployments.apps/order-gateway/"
      "gateway?metricLabelSelector=venue%3Dxnas");
  EXPECT_EQ(gateway["items"][0]["value"], xnas["items"][0]["value"]);
}

TEST_F(ServeCustomTest, ErrorsAsStatus) {
  const std::string base = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/trading/";
  const KubectlResult object = KubectlGetRaw(Kubectl(&alice_), base + "deployments.apps/nope/flow");
  EXPECT_NE(object.exit_code, 0);
  EXPECT_NE(object.stderr_text.find("NotFound"), std::string::npos) << object.stderr_text;

  HttpsResult r = HttpsGet(Client(&alice_), base + "deployments.apps/xnas/no_such_metric");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.response->status, 404);
  EXPECT_EQ(r.response->Json()["message"],
            "the server could not find the metric no_such_metric for deployments.apps xnas");
  // flow is visible to trading only.
  r = HttpsGet(Client(&alice_),
               "/apis/custom.metrics.k8s.io/v1beta1/namespaces/risk/deployments.apps/xnas/flow");
  EXPECT_EQ(r.response->status, 404);

  const KubectlResult bad =
      KubectlGetRaw(Kubectl(&alice_), base + "deployments.apps/*/flow?labelSelector=venue%3E1");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.stderr_text.find("BadRequest"), std::string::npos) << bad.stderr_text;

  const KubectlResult forbidden =
      KubectlGetRaw(Kubectl(&bob_), base + "deployments.apps/xnas/flow");
  EXPECT_NE(forbidden.exit_code, 0);
  EXPECT_NE(forbidden.stderr_text.find("cannot get resource \"deployments.apps/flow\""),
            std::string::npos)
      << forbidden.stderr_text;
}

}  // namespace
}  // namespace prescale::testing
