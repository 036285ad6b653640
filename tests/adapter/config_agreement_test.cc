// `prescale check-config` and `prescale serve` accept exactly the same policy files: for each
// input, check-config's verdict (the policy file parser) equals serve's (the parser, then the
// refresh loop's plan: the Prometheus client and every policy's model and decision state).
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <stdexcept>

#include "adapter/adapter_metrics.h"
#include "adapter/refresh_loop.h"
#include "adapter/snapshot.h"
#include "policies/example_policy.h"
#include "policies/policy_file.h"

namespace prescale::adapter {
namespace {

struct Verdict {
  bool accepted = false;
  std::string why;
};

Verdict CheckConfig(const std::string& yaml) {
  const policies::LoadResult r = policies::ParseConfig(yaml, "p.yaml");
  return {r.config.has_value(), r.errors.empty() ? "" : r.errors.front().ToString()};
}

Verdict Serve(const std::string& yaml) {
  const policies::LoadResult r = policies::ParseConfig(yaml, "p.yaml");
  if (!r.config) return {false, r.errors.front().ToString()};
  prometheus::Registry registry;
  AdapterMetrics metrics(registry, *r.config);
  SnapshotHolder holder;
  try {
    RefreshLoop loop(*r.config, RefreshLoopOptions{}, holder, metrics, nullptr);  // not started
  } catch (const std::invalid_argument& e) {
    return {false, e.what()};
  }
  return {true, ""};
}

std::string WithEvent(const std::string& schedule, const std::string& zone = "America/New_York") {
  return "policies:\n  - name: flow\n    query: up\n    events:\n      - name: open\n"
         "        schedule: \"" +
         schedule + "\"\n        timezone: " + zone + "\n";
}

struct Case {
  const char* what;
  std::string yaml;
  bool accepted;
};

TEST(ConfigAgreementTest, CheckConfigAndServeGiveTheSameVerdict) {
  const Case cases[] = {
      {"the example", std::string(policies::ExamplePolicyYaml()), true},
      {"day names", WithEvent("30 9 * * mon-fri"), true},
      {"month names", WithEvent("0 12 1 jan,Jul *"), true},
      {"a day-of-month step", WithEvent("0 9 */2 * 1-5"), true},
      {"both day fields", WithEvent("0 9 1 * 7"), true},
      {"an hour out of range", WithEvent("30 25 * * *"), false},
      {"four fields", WithEvent("30 9 * *"), false},
      {"an unknown zone", WithEvent("30 9 * * 1-5", "Mars/Olympus"), false},
      {"an unknown model", "policies:\n  - {name: flow, query: up, model: prophet}\n", false},
      {"every model name", "policies:\n  - {name: a, query: up, model: holt_winters}\n", true},
      {"a URL that is not http",
       "prometheus:\n  url: ftp://x\npolicies:\n  - {name: a, query: up}\n", false},
      {"a URL with credentials",
       "prometheus:\n  url: http://u:p@x:9090\npolicies:\n  - {name: a, query: up}\n", false},
      {"a URL with a path prefix",
       "prometheus:\n  url: https://thanos:10902/prefix\npolicies:\n  - {name: a, query: up}\n",
       true},
  };
  for (const Case& c : cases) {
    const Verdict check = CheckConfig(c.yaml);
    const Verdict serve = Serve(c.yaml);
    EXPECT_EQ(check.accepted, c.accepted) << c.what << ": " << check.why;
    EXPECT_EQ(serve.accepted, check.accepted) << c.what << ": check-config says \"" << check.why
                                              << "\", serve says \"" << serve.why << "\"";
  }
}

}  // namespace
}  // namespace prescale::adapter
