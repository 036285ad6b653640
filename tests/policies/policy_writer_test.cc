// Tuned values written back into a policy file: the result loads, carries the new values and
// keeps everything else.
#include "policies/policy_writer.h"

#include <gtest/gtest.h>

#include "policies/example_policy.h"
#include "policies/policy_file.h"

namespace prescale::policies {
namespace {

const char* kTwoPolicies = R"(prometheus:
  url: http://prom:9090
policies:
  - name: first
    query: sum(rate(a_total[1m]))
    max_staleness: 20m
  - name: second   # a comment yaml-cpp does not keep
    query: sum by (venue) (rate(b_total[1m]))
    quantile: 0.9
    events:
      - {name: open, schedule: "30 9 * * 1-5", timezone: America/New_York, before: 5m}
    backtest:
      max_replicas: 40
)";

Policy Tuned(const Policy& base) {
  Policy p = base;
  p.quantile = 0.97;
  p.lead = std::chrono::seconds(90);
  p.scale_down_hold = std::chrono::minutes(10);
  p.model = "profile";
  p.backtest.target_utilization = 0.65;
  for (auto& e : p.events) e.before_seconds *= 2, e.after_seconds *= 2;
  return p;
}

TEST(PolicyWriterTest, WritesTheTunedValuesOfOnePolicyAndKeepsTheRest) {
  const LoadResult original = ParseConfig(kTwoPolicies, "in.yaml");
  ASSERT_TRUE(original.config);
  const Policy& second = original.config->policies[1];
  std::string out, error;
  ASSERT_TRUE(RewritePolicy(kTwoPolicies, "second", Tuned(second), "# tuned\n", &out, &error))
      << error;
  EXPECT_EQ(out.rfind("# tuned\n", 0), 0u);
  const LoadResult loaded = ParseConfig(out, "out.yaml");
  ASSERT_TRUE(loaded.config) << loaded.errors.front().ToString() << "\n" << out;
  const Policy& p = loaded.config->policies[1];
  EXPECT_EQ(p.quantile, 0.97);
  EXPECT_EQ(p.lead, std::chrono::seconds(90));
  EXPECT_EQ(p.scale_down_hold, std::chrono::minutes(10));
  EXPECT_EQ(p.model, "profile");
  EXPECT_EQ(p.backtest.target_utilization, 0.65);
  EXPECT_EQ(p.backtest.max_replicas, 40);
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_EQ(p.events[0].before_seconds, 600);
  EXPECT_EQ(p.events[0].after_seconds, 3600);
  EXPECT_EQ(p.events[0].schedule, "30 9 * * 1-5");
  EXPECT_EQ(p.query, second.query);
  // The other policy and the global settings are as they were.
  EXPECT_EQ(loaded.config->policies[0], original.config->policies[0]);
  EXPECT_EQ(loaded.config->prometheus.url, "http://prom:9090");
}

const char* kCommented = R"(# desk policy
policies:
  - name: orders   # the gateway
    query: sum(rate(a_total[1m]))
    quantile: 0.9  # raised in June
    model: auto
    events:
      - name: open
        schedule: "30 9 * * 1-5"
        timezone: America/New_York
      - {name: close, schedule: "0 16 * * 1-5", timezone: America/New_York}
    backtest:
      max_replicas: 40   # the node pool's limit
)";

TEST(PolicyWriterTest, ChangedValuesAreEditedInPlaceKeepingComments) {
  const LoadResult original = ParseConfig(kCommented, "in.yaml");
  ASSERT_TRUE(original.config);
  Policy tuned = original.config->policies[0];
  tuned.quantile = 0.97;
  tuned.lead = std::chrono::seconds(90);
  tuned.scale_down_hold = std::chrono::minutes(10);
  tuned.backtest.target_utilization = 0.65;
  std::string out, error;
  ASSERT_TRUE(RewritePolicy(kCommented, "orders", tuned, "# tuned\n", &out, &error)) << error;
  EXPECT_EQ(out, std::string("# tuned\n") + R"(# desk policy
policies:
  - name: orders   # the gateway
    lead: 1m30s
    scale_down_hold: 10m
    query: sum(rate(a_total[1m]))
    quantile: 0.97  # raised in June
    model: auto
    events:
      - name: open
        schedule: "30 9 * * 1-5"
        timezone: America/New_York
      - {name: close, schedule: "0 16 * * 1-5", timezone: America/New_York}
    backtest:
      max_replicas: 40   # the node pool's limit
      target_utilization: 0.65
)");
}

TEST(PolicyWriterTest, WhatCannotBeEditedInPlaceIsReEmitted) {
  const LoadResult original = ParseConfig(kCommented, "in.yaml");
  ASSERT_TRUE(original.config);
  Policy tuned = original.config->policies[0];
  for (auto& e : tuned.events) e.before_seconds = 600;  // the flow-style event has no `before`
  std::string out, error;
  ASSERT_TRUE(RewritePolicy(kCommented, "orders", tuned, "", &out, &error)) << error;
  EXPECT_NE(out.find("Re-emitted by yaml-cpp"), std::string::npos);
  const LoadResult loaded = ParseConfig(out, "out.yaml");
  ASSERT_TRUE(loaded.config) << out;
  EXPECT_EQ(loaded.config->policies[0].events[1].before_seconds, 600);
  EXPECT_EQ(loaded.config->policies[0].backtest.max_replicas, 40);
}

TEST(PolicyWriterTest, ThePolicyWithoutEventsDropsTheFilesEvents) {
  std::string out, error;
  const Policy tuned = Tuned(DefaultBacktestPolicy());  // the example's first, without events
  ASSERT_TRUE(RewritePolicy(ExamplePolicyYaml(), tuned.name, tuned, "", &out, &error)) << error;
  const LoadResult loaded = ParseConfig(out, "out.yaml");
  ASSERT_TRUE(loaded.config) << out;
  EXPECT_TRUE(loaded.config->policies[0].events.empty());
  EXPECT_EQ(loaded.config->policies[0].quantile, 0.97);
}

TEST(PolicyWriterTest, ReportsAnUnknownPolicyAndBrokenYaml) {
  std::string out, error;
  EXPECT_FALSE(RewritePolicy(kTwoPolicies, "third", Policy{}, "", &out, &error));
  EXPECT_NE(error.find("\"third\""), std::string::npos);
  EXPECT_FALSE(RewritePolicy("policies: [", "x", Policy{}, "", &out, &error));
  EXPECT_NE(error.find("does not parse"), std::string::npos);
}

}  // namespace
}  // namespace prescale::policies
