// CustomSnapshotProvider: which series describe which object, their sum, the selectors,
// namespace visibility, and that an object's value is the external metric's value of the series
// mapped to it, byte for byte in Quantity form, at the same snapshot.
#include "adapter/custom_snapshot_provider.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "adapter/snapshot_provider.h"
#include "apiserver/api_types.h"
#include "apiserver/custom_api_types.h"

namespace prescale::adapter {
namespace {

using apiserver::CustomMetricQuery;
using apiserver::CustomMetricValue;
using apiserver::LabelSelector;
using apiserver::ProviderError;
using Values = std::vector<CustomMetricValue>;

const auto kT = std::chrono::system_clock::from_time_t(1764149400);

policies::DescribedObject ByLabels() {
  return {"deployments.apps", "Deployment", "apps/v1", "", "namespace", "", "deployment"};
}

policies::DescribedObject Static() {
  return {"deployments.apps", "Deployment", "apps/v1", "trading", "", "order-gateway", ""};
}

// Series (namespace, deployment, venue, value); an empty label is left out.
struct Row {
  std::string ns, deployment, venue;
  double value;
};

ServedMetric Metric(const std::string& name, std::optional<policies::DescribedObject> object,
                    const std::vector<Row>& rows, Visibility visibility = {}) {
  ServedMetric m{name, "flow", ServedMetric::State::kOk, "", {}, std::move(visibility)};
  m.object = std::move(object);
  int i = 0;
  for (const Row& r : rows) {
    apiserver::Labels labels{{"venue", r.venue}};
    if (!r.ns.empty()) labels["namespace"] = r.ns;
    if (!r.deployment.empty()) labels["deployment"] = r.deployment;
    m.values.push_back({name, labels, kT + std::chrono::seconds(i++), 15, r.value, ""});
  }
  return m;
}

const std::vector<Row> kRows = {
    {"trading", "gw-a", "xnas", 1000.25}, {"trading", "gw-a", "xnys", 2000.5},
    {"trading", "gw-b", "arcx", 0.1},     {"risk", "gw-a", "xnas", 7},
    {"trading", "", "bats", 99},     // no deployment label
    {"Bad_NS", "gw-c", "iexg", 5}};  // not a namespace name

CustomMetricQuery Query(std::string ns, std::string name, std::string metric = "flow_forecast",
                        std::string resource = "deployments.apps") {
  return {std::move(resource), std::move(ns), std::move(name), std::move(metric), {}, {}};
}

LabelSelector Selector(const std::string& text) {
  std::string error;
  return *LabelSelector::Parse(text, &error);
}

class CustomSnapshotProviderTest : public ::testing::Test {
 protected:
  void Publish(std::vector<ServedMetric> metrics) {
    holder_.Publish(std::make_shared<const Snapshot>(kT, std::move(metrics), true));
  }
  Values Get(const CustomMetricQuery& q) {
    auto r = provider_.GetCustomMetric(q);
    EXPECT_TRUE(std::holds_alternative<Values>(r))
        << (std::holds_alternative<ProviderError>(r) ? std::get<ProviderError>(r).message : "");
    return std::holds_alternative<Values>(r) ? std::get<Values>(r) : Values{};
  }
  ProviderError::Kind Error(const CustomMetricQuery& q) {
    auto r = provider_.GetCustomMetric(q);
    EXPECT_TRUE(std::holds_alternative<ProviderError>(r));
    return std::holds_alternative<ProviderError>(r) ? std::get<ProviderError>(r).kind
                                                    : ProviderError::Kind::kInternal;
  }

  SnapshotHolder holder_;
  CustomSnapshotProvider provider_{holder_};
  SnapshotProvider external_{holder_};
};

TEST_F(CustomSnapshotProviderTest, NoSnapshotIsUnavailable) {
  EXPECT_EQ(Error(Query("trading", "gw-a")), ProviderError::Kind::kUnavailable);
  EXPECT_TRUE(provider_.ListAllCustomMetrics().empty());
}

TEST_F(CustomSnapshotProviderTest, DiscoveryListsPoliciesWithAnObject) {
  policies::DescribedObject nodes{"nodes", "Node", "v1", "", "", "", "node"};
  Publish({Metric("flow", ByLabels(), kRows), Metric("flow_forecast", ByLabels(), kRows),
           Metric("plain", std::nullopt, kRows), Metric("load", nodes, {})});
  const auto list = provider_.ListAllCustomMetrics();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].resource + "/" + list[0].metric, "deployments.apps/flow");
  EXPECT_EQ(list[1].resource + "/" + list[1].metric, "deployments.apps/flow_forecast");
  EXPECT_TRUE(list[1].namespaced);
  EXPECT_EQ(list[2].resource + "/" + list[2].metric, "nodes/load");
  EXPECT_FALSE(list[2].namespaced);
}

TEST_F(CustomSnapshotProviderTest, ObjectsFromLabelsSumTheirSeries) {
  Publish({Metric("flow_forecast", ByLabels(), kRows)});
  const Values a = Get(Query("trading", "gw-a"));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].object.kind, "Deployment");
  EXPECT_EQ(a[0].object.api_version, "apps/v1");
  EXPECT_EQ(a[0].object.ns, "trading");
  EXPECT_EQ(a[0].object.name, "gw-a");
  EXPECT_EQ(a[0].metric_name, "flow_forecast");
  EXPECT_DOUBLE_EQ(a[0].value, 3000.75);
  EXPECT_EQ(a[0].window_seconds, 15);
  EXPECT_EQ(a[0].timestamp, kT + std::chrono::seconds(1));  // the newest of its series
  EXPECT_EQ(Get(Query("risk", "gw-a"))[0].value, 7);
  EXPECT_EQ(Error(Query("trading", "gw-c")), ProviderError::Kind::kNotFound);
  EXPECT_EQ(Error(Query("trading", "nope")), ProviderError::Kind::kNotFound);
  EXPECT_EQ(Error(Query("trading", "gw-a", "flow_nope")), ProviderError::Kind::kNotFound);
  EXPECT_EQ(Error(Query("trading", "gw-a", "flow_forecast", "pods")),
            ProviderError::Kind::kNotFound);
  EXPECT_EQ(Error(Query("", "gw-a")), ProviderError::Kind::kNotFound);  // not cluster-scoped

  const Values all = Get(Query("trading", "*"));
  ASSERT_EQ(all.size(), 2u);  // the series without a deployment label describe no object
  EXPECT_EQ(all[0].object.name, "gw-a");
  EXPECT_EQ(all[1].object.name, "gw-b");
  EXPECT_TRUE(Get(Query("nowhere", "*")).empty());
}

TEST_F(CustomSnapshotProviderTest, StaticObjectIsTheSumOfEverySeries) {
  Publish({Metric("flow_forecast", Static(), kRows)});
  const Values v = Get(Query("trading", "order-gateway"));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_DOUBLE_EQ(v[0].value, 1000.25 + 2000.5 + 0.1 + 7 + 99 + 5);
  EXPECT_EQ(Error(Query("risk", "order-gateway")), ProviderError::Kind::kNotFound);
}

TEST_F(CustomSnapshotProviderTest, Selectors) {
  Publish({Metric("flow_forecast", ByLabels(), kRows)});
  CustomMetricQuery q = Query("trading", "gw-a");
  q.metric_selector = Selector("venue=xnys");
  EXPECT_EQ(Get(q)[0].value, 2000.5);
  q.metric_selector = Selector("venue=arcx");  // a series of another object
  EXPECT_EQ(Error(q), ProviderError::Kind::kNotFound);
  q = Query("trading", "*");
  q.selector = Selector("venue in (xnas,arcx)");
  const Values v = Get(q);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].value, 1000.25);
  EXPECT_EQ(v[1].value, 0.1);
  q.selector = Selector("venue=none");
  EXPECT_TRUE(Get(q).empty());
}

TEST_F(CustomSnapshotProviderTest, NamespaceVisibilityApplies) {
  Publish({Metric("flow_forecast", ByLabels(), kRows, {{"trading"}, ""}),
           Metric("flow", ByLabels(), kRows, {{}, "namespace"})});
  EXPECT_EQ(Get(Query("trading", "gw-a")).size(), 1u);
  EXPECT_EQ(Error(Query("risk", "gw-a")), ProviderError::Kind::kNotFound);
  EXPECT_EQ(Error(Query("risk", "*")), ProviderError::Kind::kNotFound);
  // namespace_label: a series counts in the namespace its label names.
  EXPECT_EQ(Get(Query("risk", "gw-a", "flow"))[0].value, 7);
  EXPECT_DOUBLE_EQ(Get(Query("trading", "gw-a", "flow"))[0].value, 3000.75);

  // Cluster-scoped objects: only a policy visible to every namespace serves them, and a
  // Namespace object is visible to itself.
  policies::DescribedObject node{"nodes", "Node", "v1", "", "", "", "deployment"};
  policies::DescribedObject ns{"namespaces", "Namespace", "v1", "", "", "", "namespace"};
  Publish({Metric("a", node, kRows, {{"trading"}, ""}), Metric("b", node, kRows, {{"*"}, ""}),
           Metric("c", ns, kRows, {{"trading"}, ""})});
  EXPECT_EQ(Error(Query("", "gw-a", "a", "nodes")), ProviderError::Kind::kNotFound);
  EXPECT_EQ(Get(Query("", "gw-a", "b", "nodes"))[0].value, 1000.25 + 2000.5 + 7);
  EXPECT_EQ(Get(Query("", "trading", "c", "namespaces")).size(), 1u);
  EXPECT_EQ(Error(Query("", "risk", "c", "namespaces")), ProviderError::Kind::kNotFound);
}

TEST_F(CustomSnapshotProviderTest, StaleDataIsUnavailable) {
  ServedMetric m = Metric("flow_forecast", ByLabels(), kRows);
  m.state = ServedMetric::State::kStale;
  m.unavailable_reason = "the data of policy flow is 700 s old";
  Publish({m});
  auto r = provider_.GetCustomMetric(Query("trading", "gw-a"));
  ASSERT_TRUE(std::holds_alternative<ProviderError>(r));
  EXPECT_EQ(std::get<ProviderError>(r).kind, ProviderError::Kind::kUnavailable);
  EXPECT_EQ(std::get<ProviderError>(r).message, "the data of policy flow is 700 s old");
}

// The Object value of gw-b (one series) against the external item of that series, both as the
// API encodes them, at the same snapshot; values chosen to exercise Quantity rounding.
TEST_F(CustomSnapshotProviderTest, ObjectValueEqualsTheExternalValueByteForByte) {
  for (const double value : {0.1, 1.5, 2000.0, 1234.5678, 0.0001, 1e12, 987654.321}) {
    std::vector<Row> rows = kRows;
    rows[2].value = value;
    Publish({Metric("flow_forecast", ByLabels(), rows)});
    const auto external =
        external_.GetExternalMetric("trading", "flow_forecast", Selector("deployment=gw-b"));
    const auto& items = std::get<apiserver::MetricValues>(external).items;
    ASSERT_EQ(items.size(), 1u);
    const std::string external_value = nlohmann::json::parse(items[0]->json)["value"];
    for (const std::string_view version : {"v1beta2", "v1beta1"}) {
      const std::string list =
          apiserver::EncodeMetricValueList(version, Get(Query("trading", "gw-b")), {});
      EXPECT_EQ(nlohmann::json::parse(list)["items"][0]["value"], external_value) << value;
    }
  }
}

}  // namespace
}  // namespace prescale::adapter
