// The example HPAs of manifests/examples (External metric) and manifests/examples-object (Object
// metric of the custom metrics API), loaded into prescale's HPA model (policies/): their
// `behavior` must take the trading deployment from 5 to 50 replicas in one sync and scale down
// gently; the policy ConfigMap's backtest section must carry the same behavior, and its `object`
// must describe the deployment the Object HPA scales.
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "policies/backtest/hpa_model.h"
#include "policies/policy_file.h"

namespace prescale::policies {
namespace {

using std::chrono::seconds;

// The source tree: $PRESCALE_SOURCE_DIR when set (to test a modified copy), else the tree this
// test was built from.
std::string SourcePath(const std::string& relative) {
  const char* root = std::getenv("PRESCALE_SOURCE_DIR");
  return std::string(root ? root : PRESCALE_SOURCE_TREE) + "/" + relative;
}

YAML::Node LoadYaml(const std::string& relative) { return YAML::LoadFile(SourcePath(relative)); }

// A `behavior` node in autoscaling/v2 form, read by prescale's own policy-file parser (the
// policy's backtest.behavior has the same schema).
Behavior ParseBehavior(const YAML::Node& behavior) {
  YAML::Node config;
  YAML::Node policy;
  policy["name"] = "example";
  policy["query"] = "sum(rate(orders_received_total[1m]))";
  policy["backtest"]["behavior"] = behavior;
  config["policies"].push_back(policy);
  const LoadResult result = ParseConfig(YAML::Dump(config), "hpa-behavior");
  for (const ConfigError& e : result.errors) ADD_FAILURE() << e.ToString();
  if (!result.config || !result.config->policies[0].backtest.behavior) {
    ADD_FAILURE() << "no behavior parsed from\n" << YAML::Dump(config);
    return {};
  }
  return *result.config->policies[0].backtest.behavior;
}

struct ExampleHpa {
  HpaSettings settings;
  YAML::Node behavior_yaml;
};

constexpr const char* kExternalHpa = "manifests/examples/hpa-order-gateway.yaml";
constexpr const char* kObjectHpa = "manifests/examples-object/hpa-order-gateway-object.yaml";

// An External or Object metric on order_flow_rate_forecast with an AverageValue target: for both,
// the HPA asks for ceil(value / averageValue) replicas, which HpaTarget::kAverageValue models.
ExampleHpa LoadExampleHpa(const char* file = kExternalHpa) {
  SCOPED_TRACE(file);
  const YAML::Node hpa = LoadYaml(file);
  const YAML::Node spec = hpa["spec"];
  ExampleHpa out;
  out.settings.min_replicas = spec["minReplicas"].as<int>();
  out.settings.max_replicas = spec["maxReplicas"].as<int>();
  int forecast_metrics = 0;
  for (const YAML::Node& m : spec["metrics"]) {
    const std::string type = m["type"].as<std::string>();
    const YAML::Node source = type == "External" ? m["external"] : m["object"];
    if ((type == "External" || type == "Object") &&
        source["metric"]["name"].as<std::string>() == "order_flow_rate_forecast") {
      ++forecast_metrics;
      EXPECT_EQ(source["target"]["type"].as<std::string>(), "AverageValue");
      out.settings.target = {HpaTarget::Type::kAverageValue,
                             std::stod(source["target"]["averageValue"].as<std::string>())};
    }
  }
  EXPECT_EQ(forecast_metrics, 1);
  out.behavior_yaml = spec["behavior"];
  out.settings.behavior = ParseBehavior(spec["behavior"]);
  return out;
}

HpaObservation Pods(double metric, int replicas) { return {metric, replicas, replicas, replicas}; }

TEST(ExampleHpaTest, GoesFrom5To50InOneSync) {
  for (const char* file : {kExternalHpa, kObjectHpa}) {
    SCOPED_TRACE(file);
    const ExampleHpa example = LoadExampleHpa(file);
    ASSERT_EQ(example.settings.min_replicas, 5);
    ASSERT_EQ(example.settings.max_replicas, 50);
    const double per_pod = example.settings.target.value;
    ASSERT_GT(per_pod, 0);

    HpaController hpa(example.settings);
    // A forecast spike that needs all 50 pods: the very next sync asks for all of them.
    EXPECT_EQ(hpa.Reconcile(seconds(0), Pods(50 * per_pod, 5)), 50);

    // The same with a spike far beyond capacity: clamped to maxReplicas, still one sync.
    HpaController beyond(example.settings);
    EXPECT_EQ(beyond.Reconcile(seconds(0), Pods(1000 * per_pod, 5)), 50);
  }
}

TEST(ExampleHpaTest, WithoutTheBehaviorTheHpaWouldNotMakeIt) {
  // The control: Kubernetes' default behavior allows max(+4 pods, +100 %) per sync, so 5 -> 10.
  ExampleHpa example = LoadExampleHpa();
  example.settings.behavior = Behavior{};
  HpaController hpa(example.settings);
  EXPECT_EQ(hpa.Reconcile(seconds(0), Pods(50 * example.settings.target.value, 5)), 10);
}

TEST(ExampleHpaTest, ScalesDownGently) {
  for (const char* file : {kExternalHpa, kObjectHpa}) {
    SCOPED_TRACE(file);
    const ExampleHpa example = LoadExampleHpa(file);
    const double per_pod = example.settings.target.value;
    HpaController hpa(example.settings);
    int replicas = hpa.Reconcile(seconds(0), Pods(50 * per_pod, 5));
    ASSERT_EQ(replicas, 50);
    // Demand falls to the minimum at t = 15 s and stays there.
    int first_drop_s = -1;
    int previous = replicas;
    for (int t = 15; t <= 3600; t += 15) {
      replicas = hpa.Reconcile(seconds(t), Pods(1 * per_pod, replicas));
      if (replicas < previous) {
        if (first_drop_s < 0) first_drop_s = t;
        // At most 10 % of the current count per step (Percent 10 / 60 s).
        EXPECT_GE(replicas, previous - static_cast<int>(std::ceil(previous * 0.1))) << "at t=" << t;
      }
      previous = replicas;
    }
    // Nothing goes before the 5-minute stabilization window has passed...
    EXPECT_GE(first_drop_s, 300);
    // ...and the deployment is back at its minimum within the hour.
    EXPECT_EQ(replicas, 5);
  }
}

void ExpectSameRules(const std::optional<ScalingRules>& a, const std::optional<ScalingRules>& b,
                     const char* direction) {
  SCOPED_TRACE(direction);
  ASSERT_EQ(a.has_value(), b.has_value());
  if (!a) return;
  EXPECT_EQ(a->stabilization_window_seconds, b->stabilization_window_seconds);
  EXPECT_EQ(a->select_policy, b->select_policy);
  ASSERT_EQ(a->policies.has_value(), b->policies.has_value());
  if (!a->policies) return;
  ASSERT_EQ(a->policies->size(), b->policies->size());
  for (size_t i = 0; i < a->policies->size(); ++i) {
    EXPECT_EQ((*a->policies)[i].type, (*b->policies)[i].type);
    EXPECT_EQ((*a->policies)[i].value, (*b->policies)[i].value);
    EXPECT_EQ((*a->policies)[i].period_seconds, (*b->policies)[i].period_seconds);
  }
}

TEST(ExampleHpaTest, PolicyConfigMapBacktestsTheSameHpa) {
  const ExampleHpa example = LoadExampleHpa();
  const YAML::Node cm = LoadYaml("manifests/base/policy-configmap.yaml");
  const LoadResult result = ParseConfig(cm["data"]["policy.yaml"].as<std::string>(), "policy.yaml");
  for (const ConfigError& e : result.errors) ADD_FAILURE() << e.ToString();
  ASSERT_TRUE(result.config);
  const Policy* order_flow = nullptr;
  for (const Policy& p : result.config->policies) {
    if (p.forecast_metric == "order_flow_rate_forecast") order_flow = &p;
  }
  ASSERT_NE(order_flow, nullptr) << "no policy serves order_flow_rate_forecast";
  // The HPA's AverageValue target is capacity_per_pod x target_utilization (docs/backtest.md).
  ASSERT_TRUE(order_flow->backtest.capacity_per_pod);
  EXPECT_DOUBLE_EQ(*order_flow->backtest.capacity_per_pod * order_flow->backtest.target_utilization,
                   example.settings.target.value);
  EXPECT_EQ(order_flow->backtest.min_replicas, example.settings.min_replicas);
  EXPECT_EQ(order_flow->backtest.max_replicas, example.settings.max_replicas);
  ASSERT_TRUE(order_flow->backtest.behavior);
  ExpectSameRules(order_flow->backtest.behavior->scale_up, example.settings.behavior->scale_up,
                  "scaleUp");
  ExpectSameRules(order_flow->backtest.behavior->scale_down, example.settings.behavior->scale_down,
                  "scaleDown");
}

// The Object HPA reads what the custom metrics API serves for its scale target: the policy that
// serves order_flow_rate_forecast describes that Deployment, and the two example HPAs differ in
// their metric source only.
TEST(ExampleHpaTest, ObjectHpaDescribesTheDeploymentThePolicyNames) {
  const YAML::Node hpa = LoadYaml(kObjectHpa);
  const YAML::Node external = LoadYaml(kExternalHpa);
  const YAML::Node target = hpa["spec"]["scaleTargetRef"];
  YAML::Node described;
  for (const YAML::Node& m : hpa["spec"]["metrics"]) {
    if (m["type"].as<std::string>() == "Object") described = m["object"]["describedObject"];
  }
  ASSERT_TRUE(described.IsMap());
  EXPECT_EQ(described["kind"].as<std::string>(), target["kind"].as<std::string>());
  EXPECT_EQ(described["name"].as<std::string>(), target["name"].as<std::string>());
  EXPECT_EQ(described["apiVersion"].as<std::string>(), target["apiVersion"].as<std::string>());
  EXPECT_EQ(YAML::Dump(hpa["spec"]["behavior"]), YAML::Dump(external["spec"]["behavior"]));
  EXPECT_EQ(LoadExampleHpa(kObjectHpa).settings.target.value,
            LoadExampleHpa(kExternalHpa).settings.target.value);

  const YAML::Node cm = LoadYaml("manifests/base/policy-configmap.yaml");
  const LoadResult result = ParseConfig(cm["data"]["policy.yaml"].as<std::string>(), "policy.yaml");
  ASSERT_TRUE(result.config);
  const Policy* order_flow = nullptr;
  for (const Policy& p : result.config->policies) {
    if (p.forecast_metric == "order_flow_rate_forecast") order_flow = &p;
  }
  ASSERT_NE(order_flow, nullptr);
  ASSERT_TRUE(order_flow->object) << "the policy must name the object the HPA describes";
  EXPECT_EQ(order_flow->object->resource, "deployments.apps");
  EXPECT_EQ(order_flow->object->kind, described["kind"].as<std::string>());
  EXPECT_EQ(order_flow->object->api_version, described["apiVersion"].as<std::string>());
  EXPECT_EQ(order_flow->object->name, described["name"].as<std::string>());
  EXPECT_EQ(order_flow->object->ns, hpa["metadata"]["namespace"].as<std::string>());
}

}  // namespace
}  // namespace prescale::policies
