// `prescale check-config` through the binary: exit codes and the FILE:LINE:COLUMN lines.
#include <gtest/gtest.h>

#include "policies/example_policy.h"
#include "tests/adapter/cli/command_runner.h"

namespace prescale::cli {
namespace {

using CheckConfigTest = CommandTest;

TEST_F(CheckConfigTest, AcceptsTheExample) {
  const std::string file = Write("ok.yaml", std::string(policies::ExamplePolicyYaml()));
  const CommandResult r = Run("check-config " + file);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(": OK: 1 policy (order_flow_rate)"), std::string::npos) << r.out;
}

TEST_F(CheckConfigTest, PrintsOneLinePerProblem) {
  const std::string file = Write("bad.yaml",
                                 "policies:\n  - name: p\n    query: up\n    quantile: 2\n"
                                 "    colour: red\n");
  const CommandResult r = Run("check-config " + file);
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, file + ":4:15: policies[0].quantile: must be strictly between 0 and 1\n" + file +
                       ":5:5: policies[0].colour: unknown key\n");
}

TEST_F(CheckConfigTest, ValidatesTheDescribedObject) {
  const std::string ok = Write("object.yaml",
                               "policies:\n  - name: p\n    query: up\n    object:\n"
                               "      resource: deployments.apps\n      namespace: trading\n"
                               "      name: {label: deployment}\n");
  EXPECT_EQ(Run("check-config " + ok).code, 0);
  const std::string bad = Write("bad-object.yaml",
                                "policies:\n  - name: p\n    query: up\n    object:\n"
                                "      resource: deployments.apps\n      name: Order_Gateway\n");
  const CommandResult r = Run("check-config " + bad);
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, bad +
                       ":5:7: policies[0].object.namespace: deployments.apps are namespaced: "
                       "namespace is required\n" +
                       bad +
                       ":6:13: policies[0].object.name: must be an object name or "
                       "{label: LABEL}\n");
}

}  // namespace
}  // namespace prescale::cli
