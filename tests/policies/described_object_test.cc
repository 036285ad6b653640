// The policy key `object` (policies/described_object_reader.h): what it accepts, the defaults of
// well-known resources, and each problem at its FILE:LINE:COLUMN.
#include "policies/described_object.h"

#include <gtest/gtest.h>

#include "policies/policy_file.h"

namespace prescale::policies {
namespace {

constexpr char kHead[] = "policies:\n  - name: p\n    query: up\n    object:\n";  // lines 1-4

Policy Load(const std::string& object_lines) {
  const LoadResult r = ParseConfig(std::string(kHead) + object_lines, "p.yaml");
  EXPECT_TRUE(r.errors.empty()) << r.errors[0].ToString();
  return r.config ? r.config->policies[0] : Policy{};
}

std::vector<std::string> Errors(const std::string& object_lines) {
  const LoadResult r = ParseConfig(std::string(kHead) + object_lines, "p.yaml");
  EXPECT_FALSE(r.config.has_value());
  std::vector<std::string> out;
  for (const ConfigError& e : r.errors) out.push_back(e.ToString());
  return out;
}

using Lines = std::vector<std::string>;

TEST(DescribedObjectTest, StaticDeployment) {
  const Policy p = Load(
      "      resource: deployments.apps\n      namespace: trading\n      name: order-gateway\n");
  ASSERT_TRUE(p.object.has_value());
  EXPECT_EQ(p.object->resource, "deployments.apps");
  EXPECT_EQ(p.object->kind, "Deployment");
  EXPECT_EQ(p.object->api_version, "apps/v1");
  EXPECT_EQ(p.object->ns, "trading");
  EXPECT_EQ(p.object->name, "order-gateway");
  EXPECT_TRUE(p.object->namespace_label.empty());
  EXPECT_TRUE(p.object->name_label.empty());
  EXPECT_TRUE(p.object->namespaced());
}

TEST(DescribedObjectTest, NameAndNamespaceFromLabels) {
  const Policy p =
      Load("      resource: pods\n      namespace: {label: namespace}\n      name: {label: pod}\n");
  ASSERT_TRUE(p.object.has_value());
  EXPECT_EQ(p.object->kind, "Pod");
  EXPECT_EQ(p.object->api_version, "v1");
  EXPECT_EQ(p.object->namespace_label, "namespace");
  EXPECT_EQ(p.object->name_label, "pod");
  EXPECT_TRUE(p.object->ns.empty());
}

TEST(DescribedObjectTest, ClusterScopedAndCustomResources) {
  const Policy node = Load("      resource: nodes\n      name: {label: node}\n");
  EXPECT_FALSE(node.object->namespaced());
  EXPECT_EQ(node.object->kind, "Node");
  const Policy rollout = Load(
      "      resource: rollouts.argoproj.io\n      kind: Rollout\n"
      "      apiVersion: argoproj.io/v1alpha1\n      namespace: trading\n      name: gw\n");
  EXPECT_EQ(rollout.object->kind, "Rollout");
  EXPECT_EQ(rollout.object->api_version, "argoproj.io/v1alpha1");
  const Policy a = Load("      resource: deployments.apps\n      namespace: t\n      name: g\n");
  EXPECT_EQ(a.object,
            (DescribedObject{"deployments.apps", "Deployment", "apps/v1", "t", "", "g", ""}));
  // Not a serving key: policies that differ in their object only serve the same values.
  const Policy b = Load("      resource: pods\n      namespace: t\n      name: {label: pod}\n");
  EXPECT_NE(a.object, b.object);
  EXPECT_TRUE(a.serving() == b.serving());
}

TEST(DescribedObjectTest, ProblemsAtTheirPositions) {
  EXPECT_EQ(Errors("      namespace: trading\n      name: gw\n"),
            Lines({"p.yaml:5:7: policies[0].object.resource: is required"}));
  EXPECT_EQ(Errors("      resource: Deployments\n      namespace: t\n      name: gw\n"),
            Lines({"p.yaml:5:17: policies[0].object.resource: must be a plural resource name "
                   "with its group, e.g. deployments.apps or pods"}));
  EXPECT_EQ(Errors("      resource: deployments.apps\n      namespace: t\n"),
            Lines({"p.yaml:5:7: policies[0].object.name: is required (an object name or "
                   "{label: LABEL})"}));
  EXPECT_EQ(Errors("      resource: deployments.apps\n      name: gw\n"),
            Lines({"p.yaml:5:7: policies[0].object.namespace: deployments.apps are namespaced: "
                   "namespace is required"}));
  EXPECT_EQ(Errors("      resource: nodes\n      namespace: t\n      name: n1\n"),
            Lines({"p.yaml:6:18: policies[0].object.namespace: nodes are cluster-scoped: remove "
                   "namespace"}));
  EXPECT_EQ(Errors("      resource: pods\n      namespace: Trading\n      name: {label: pod}\n"),
            Lines({"p.yaml:6:18: policies[0].object.namespace: must be a namespace name or "
                   "{label: LABEL}"}));
  EXPECT_EQ(Errors("      resource: pods\n      namespace: t\n      name: {label: pod-name}\n"),
            Lines({"p.yaml:7:21: policies[0].object.name.label: must be a label name "
                   "([a-zA-Z_][a-zA-Z0-9_]*)"}));
  EXPECT_EQ(Errors("      resource: pods\n      namespace: t\n      name: \"*\"\n"),
            Lines({"p.yaml:7:13: policies[0].object.name: must be an object name or "
                   "{label: LABEL}"}));
  EXPECT_EQ(Errors("      resource: rollouts.argoproj.io\n      namespace: t\n      name: gw\n"),
            Lines({"p.yaml:5:7: policies[0].object.kind: kind and apiVersion are required for "
                   "resource rollouts.argoproj.io (known without them: pods, deployments.apps, "
                   "statefulsets.apps, ...)"}));
  EXPECT_EQ(Errors("      resource: deployments.apps\n      apiVersion: v1\n      namespace: t\n"
                   "      name: gw\n"),
            Lines({"p.yaml:6:19: policies[0].object.apiVersion: the group of v1 is not the group "
                   "of resource deployments.apps"}));
  EXPECT_EQ(Errors("      resource: pods\n      namespace: t\n      name: gw\n      labels: x\n"),
            Lines({"p.yaml:8:7: policies[0].object.labels: unknown key"}));
}

TEST(DescribedObjectTest, ResourceTable) {
  EXPECT_EQ(LookUpResource("statefulsets.apps")->kind, "StatefulSet");
  EXPECT_FALSE(LookUpResource("namespaces")->namespaced);
  EXPECT_FALSE(LookUpResource("deployments").has_value());
  EXPECT_EQ(ValidateResourceName("pods"), "");
  EXPECT_EQ(ValidateResourceName("ingresses.networking.k8s.io"), "");
  EXPECT_NE(ValidateResourceName("pods."), "");
  EXPECT_NE(ValidateResourceName("pods/x"), "");
}

}  // namespace
}  // namespace prescale::policies
