#include "policies/policy_file.h"

#include "policies/example_policy.h"

#include <gtest/gtest.h>

#include <fstream>

namespace prescale::policies {
namespace {

using std::chrono::seconds;

TEST(PolicyFileTest, ContractExampleLoads) {
  const LoadResult r = ParseConfig(ExamplePolicyYaml(), "example.yaml");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].ToString();
  const Config& c = *r.config;
  EXPECT_EQ(c.refresh, seconds(5));
  ASSERT_EQ(c.policies.size(), 1u);
  const Policy& p = c.policies[0];
  EXPECT_EQ(p.forecast_metric, "order_flow_rate_forecast");
  EXPECT_EQ(p.step, seconds(15));
  EXPECT_DOUBLE_EQ(p.quantile, 0.9);
  ASSERT_EQ(p.events.size(), 2u);
  EXPECT_EQ(p.events[0].timezone, "America/New_York");
  EXPECT_EQ(p.seasonality.size(), 2u);
  ASSERT_TRUE(p.backtest.behavior.has_value());
  EXPECT_EQ((*p.backtest.behavior->scale_up->policies)[0].value, 45);
  EXPECT_EQ(*p.backtest.behavior->scale_down->stabilization_window_seconds, 300);
  EXPECT_TRUE(DefaultBacktestPolicy().events.empty());
  EXPECT_EQ(DefaultBacktestPolicy().name, "order_flow_rate");
}

// Parses `yaml` expecting exactly one problem, and returns its "FILE:LINE:COLUMN: field: message".
std::string OnlyError(const std::string& yaml) {
  const LoadResult r = ParseConfig(yaml, "p.yaml");
  EXPECT_FALSE(r.config.has_value());
  EXPECT_EQ(r.errors.size(), 1u);
  std::string all;
  for (const ConfigError& e : r.errors) all += e.ToString() + "\n";
  return all.empty() ? all : all.substr(0, all.size() - 1);
}

constexpr char kHead[] = "policies:\n  - name: p\n    query: up\n";  // lines 1-3

TEST(PolicyFileTest, BehaviorToleranceIsAQuantity) {
  const std::string behavior =
      std::string(kHead) +
      "    backtest:\n      behavior:\n        scaleUp: {tolerance: 0.05}\n"
      "        scaleDown: {tolerance: 150m}\n";
  const LoadResult r = ParseConfig(behavior, "p.yaml");
  ASSERT_TRUE(r.config) << r.errors.front().ToString();
  const Behavior& b = *r.config->policies[0].backtest.behavior;
  EXPECT_DOUBLE_EQ(*b.scale_up->tolerance, 0.05);
  EXPECT_DOUBLE_EQ(*b.scale_down->tolerance, 0.15);
  EXPECT_EQ(OnlyError(std::string(kHead) +
                      "    backtest:\n      behavior:\n        scaleUp: {tolerance: -1}\n"),
            "p.yaml:6:30: policies[0].backtest.behavior.scaleUp.tolerance: must be a "
            "non-negative quantity such as 0.05 or 50m");
}

TEST(PolicyFileTest, DatedEventsHolidaysAndWindows) {
  const LoadResult r =
      ParseConfig(std::string(kHead) +
                      "    events:\n"
                      "      - name: open\n"
                      "        schedule: \"30 9 * * mon-fri\"\n"
                      "        timezone: America/New_York\n"
                      "        except: [\"2026-12-25\"]\n"
                      "      - name: cpi\n"
                      "        dates: [\"2026-12-10 08:30\", \"2027-01-13T08:30\"]\n"
                      "        before: 2m\n"
                      "        after: 15m\n",
                  "p.yaml");
  ASSERT_TRUE(r.config) << r.errors.front().ToString();
  const auto& events = r.config->policies[0].events;
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].except, (std::vector<std::string>{"2026-12-25"}));
  EXPECT_EQ(events[0].before_seconds, 300);  // defaults
  EXPECT_EQ(events[0].after_seconds, 1800);
  EXPECT_TRUE(events[1].schedule.empty());
  EXPECT_EQ(events[1].dates.size(), 2u);
  EXPECT_EQ(events[1].before_seconds, 120);
  EXPECT_EQ(events[1].after_seconds, 900);
}

TEST(PolicyFileTest, BadDatesPointAtTheItem) {
  const std::string head = std::string(kHead) + "    events:\n      - name: cpi\n";
  EXPECT_EQ(OnlyError(head + "        dates: [\"2026-12-10 08:30\", \"2026-13-10 08:30\"]\n"),
            "p.yaml:6:37: policies[0].events[0].dates[1]: '2026-13-10 08:30' is not a local date "
            "and time YYYY-MM-DD HH:MM");
  EXPECT_EQ(OnlyError(head + "        schedule: \"0 8 * * *\"\n        except: [\"Dec 25\"]\n"),
            "p.yaml:7:18: policies[0].events[0].except[0]: 'Dec 25' is not a date YYYY-MM-DD");
  EXPECT_EQ(OnlyError(head + "        timezone: UTC\n"),
            "p.yaml:5:9: policies[0].events[0].schedule: is required (or dates)");
  EXPECT_EQ(
      OnlyError(head + "        dates: [\"2026-12-10 08:30\"]\n        except: [\"2026-12-25\"]\n"),
      "p.yaml:7:17: policies[0].events[0].except: excludes dates of a schedule, and there is "
      "none");
}

TEST(PolicyFileTest, PrometheusUrlIsCheckedAsTheClientChecksIt) {
  EXPECT_EQ(OnlyError("prometheus:\n  url: ftp://x\npolicies: [{name: p, query: up}]\n"),
            "p.yaml:2:8: prometheus.url: the URL must start with http:// or https://, got "
            "\"ftp://x\"");
}

TEST(PolicyFileTest, UnknownKeyPointsAtTheKey) {
  EXPECT_EQ(OnlyError(std::string(kHead) + "    lead_time: 60s\n"),
            "p.yaml:4:5: policies[0].lead_time: unknown key");
  EXPECT_EQ(OnlyError("refreshh: 5s\npolicies: [{name: p, query: up}]\n"),
            "p.yaml:1:1: refreshh: unknown key");
}

TEST(PolicyFileTest, WrongTypePointsAtTheValue) {
  EXPECT_EQ(OnlyError(std::string(kHead) + "    quantile: high\n"),
            "p.yaml:4:15: policies[0].quantile: must be a number");
  EXPECT_EQ(OnlyError(std::string(kHead) + "    seasonality: 1d\n"),
            "p.yaml:4:18: policies[0].seasonality: must be a list of durations");
  EXPECT_EQ(OnlyError(std::string(kHead) + "    backtest:\n      max_replicas: [3]\n"),
            "p.yaml:5:21: policies[0].backtest.max_replicas: must be an integer");
}

TEST(PolicyFileTest, ImpossibleValues) {
  EXPECT_EQ(OnlyError(std::string(kHead) + "    quantile: 1.5\n"),
            "p.yaml:4:15: policies[0].quantile: must be strictly between 0 and 1");
  EXPECT_EQ(OnlyError(std::string(kHead) + "    backtest: {min_replicas: 10, max_replicas: 5}\n"),
            "p.yaml:4:48: policies[0].backtest.max_replicas: must be at least min_replicas");
  EXPECT_EQ(OnlyError(std::string(kHead) + "    step: 0s\n"),
            "p.yaml:4:11: policies[0].step: must be greater than 0");
  EXPECT_EQ(OnlyError(std::string(kHead) + "    history: 1h\n    seasonality: [1d]\n"),
            "p.yaml:5:19: policies[0].seasonality[0]: is longer than history (1h): the model "
            "could never learn it");
  EXPECT_EQ(OnlyError(std::string(kHead) + "    step: 7s\n    seasonality: [1m]\n"),
            "p.yaml:5:19: policies[0].seasonality[0]: must be a multiple of step (7s)");
}

TEST(PolicyFileTest, SizesAndPeriodsAreBounded) {
  // history / step: at most 1,000,000 points per series (10y on 1s would be 315 M).
  EXPECT_EQ(OnlyError(std::string(kHead) + "    step: 1s\n    history: 3650d\n"),
            "p.yaml:5:14: policies[0].history: 10y over step 1s is 315360000 points per "
            "series, at most 1000000");
  EXPECT_TRUE(ParseConfig(std::string(kHead) + "    step: 1s\n    history: 11d13h46m40s\n",
                          "p.yaml")
                  .config);  // exactly 1,000,000
  // Defaults count too: the 7d default history on a 100ms step is reported at the step.
  EXPECT_EQ(OnlyError(std::string(kHead) + "    step: 100ms\n"),
            "p.yaml:4:11: policies[0].history: 1w over step 100ms is 6048000 points per series, "
            "at most 1000000");
  EXPECT_EQ(OnlyError(std::string(kHead) + "    step: 1s\n    refit_every: 300d\n"),
            "p.yaml:5:18: policies[0].refit_every: 42w6d over step 1s is 25920000 points per "
            "series, at most 1000000");
  EXPECT_EQ(OnlyError(std::string(kHead) + "    step: 1s\n    scale_down_hold: 30d\n"),
            "p.yaml:5:22: policies[0].scale_down_hold: 4w2d over step 1s is 2592000 points per "
            "series, at most 1000000");
  // refresh and prometheus.timeout: at most 24h (300y would overflow the steady clock).
  EXPECT_EQ(OnlyError("refresh: 300y\npolicies: [{name: p, query: up}]\n"),
            "p.yaml:1:10: refresh: must be at most 1d");
  EXPECT_EQ(OnlyError("refresh: 25h\npolicies: [{name: p, query: up}]\n"),
            "p.yaml:1:10: refresh: must be at most 1d");
  EXPECT_EQ(OnlyError("prometheus: {timeout: 2d}\npolicies: [{name: p, query: up}]\n"),
            "p.yaml:1:23: prometheus.timeout: must be at most 1d");
  EXPECT_TRUE(ParseConfig("refresh: 24h\nprometheus: {timeout: 24h}\npolicies: [{name: p, "
                          "query: up}]\n",
                          "p.yaml")
                  .config);
}

TEST(PolicyFileTest, MaxSeries) {
  const LoadResult r = ParseConfig(std::string(kHead) + "    max_series: 20\n", "p.yaml");
  ASSERT_TRUE(r.config) << r.errors.front().ToString();
  EXPECT_EQ(r.config->policies[0].max_series, 20);
  EXPECT_EQ(ParseConfig(kHead, "p.yaml").config->policies[0].max_series, 1000);
  EXPECT_EQ(OnlyError(std::string(kHead) + "    max_series: 0\n"),
            "p.yaml:4:17: policies[0].max_series: must be between 1 and 100000");
  EXPECT_EQ(OnlyError(std::string(kHead) + "    max_series: 100001\n"),
            "p.yaml:4:17: policies[0].max_series: must be between 1 and 100000");
  EXPECT_EQ(OnlyError(std::string(kHead) + "    max_series: many\n"),
            "p.yaml:4:17: policies[0].max_series: must be an integer");
}

TEST(PolicyFileTest, NamesAreCheckedWithoutARegexAndBoundedInLength) {
  EXPECT_EQ(OnlyError("policies: [{name: 9lives, query: up}]\n"),
            "p.yaml:1:19: policies[0].name: must match [a-zA-Z_][a-zA-Z0-9_:]*");
  EXPECT_EQ(OnlyError("policies: [{name: a, query: up, metrics: {forecast: a-b}}]\n"),
            "p.yaml:1:53: policies[0].metrics.forecast: must match [a-zA-Z_][a-zA-Z0-9_:]*");
  // The review's ~1 MB name: refused with its length, the parse does not recurse on it.
  const std::string huge(1 << 20, 'a');
  EXPECT_EQ(OnlyError("policies: [{name: " + huge + ", query: up}]\n"),
            "p.yaml:1:19: policies[0].name: is 1048576 characters long, at most 253");
  EXPECT_EQ(OnlyError("policies: [{name: a, query: up, metrics: {observed: " + huge + "}}]\n"),
            "p.yaml:1:53: policies[0].metrics.observed: is 1048576 characters long, at most 253");
  // 253 is the limit of every served name: "_forecast" appended to a long name counts.
  const std::string longest(253, 'n');
  EXPECT_EQ(OnlyError("policies: [{name: " + longest + ", query: up}]\n"),
            "p.yaml:1:19: policies[0].name: with _forecast appended: is 262 characters long, at "
            "most 253");
  EXPECT_TRUE(
      ParseConfig("policies: [{name: " + longest + ", query: up, metrics: {forecast: f}}]\n",
                  "p.yaml")
          .config);
}

TEST(PolicyFileTest, UnknownModelListsTheKnownOnes) {
  const std::string e = OnlyError(std::string(kHead) + "    model: arima\n");
  EXPECT_EQ(e.rfind("p.yaml:4:12: policies[0].model: unknown model \"arima\" (known: auto, ", 0),
            0u)
      << e;
  EXPECT_TRUE(ParseConfig(std::string(kHead) + "    model: holt_winters\n", "p.yaml").config);
}

TEST(PolicyFileTest, BadDurationsSayWhy) {
  const std::string e = OnlyError(std::string(kHead) + "    lead: 60\n");
  EXPECT_EQ(e.rfind("p.yaml:4:11: policies[0].lead: ", 0), 0u) << e;
}

TEST(PolicyFileTest, MissingRequiredFieldPointsAtTheMapping) {
  EXPECT_EQ(OnlyError("policies:\n  - name: p\n"), "p.yaml:2:5: policies[0].query: is required");
}

TEST(PolicyFileTest, CronFieldsAndRanges) {
  const std::string events = std::string(kHead) + "    events:\n      - name: open\n";
  EXPECT_EQ(OnlyError(events + "        schedule: \"30 25 * * 1-5\"\n"),
            "p.yaml:6:19: policies[0].events[0].schedule: hour: 25 is out of range 0-23");
  EXPECT_EQ(OnlyError(events + "        schedule: \"30 9 * *\"\n"),
            "p.yaml:6:19: policies[0].events[0].schedule: must have 5 fields (minute hour "
            "day-of-month month day-of-week), found 4");
  EXPECT_EQ(OnlyError(events + "        schedule: \"*/0 9 * * *\"\n"),
            "p.yaml:6:19: policies[0].events[0].schedule: minute: step '0' must be a positive "
            "number");
  EXPECT_EQ(OnlyError(events + "        schedule: \"0 9 * * 5-1\"\n"),
            "p.yaml:6:19: policies[0].events[0].schedule: day-of-week: range 5-1 is backwards");
}

TEST(PolicyFileTest, UnknownTimeZone) {
  EXPECT_EQ(OnlyError(std::string(kHead) +
                      "    events:\n      - {name: open, schedule: \"30 9 * * 1-5\", "
                      "timezone: America/New_Yrok}\n"),
            "p.yaml:5:58: policies[0].events[0].timezone: unknown time zone 'America/New_Yrok' "
            "(not in the system tzdata)");
}

TEST(PolicyFileTest, YamlSyntaxError) {
  const LoadResult r = ParseConfig("policies:\n  - name: [p\n", "p.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_GT(r.errors[0].line, 0);
  EXPECT_NE(r.errors[0].message.find("YAML syntax error"), std::string::npos);
}

TEST(PolicyFileTest, ReportsEveryProblemInFileOrder) {
  const LoadResult r = ParseConfig(
      std::string(kHead) + "    quantile: 2\n    lead: soon\n    colour: red\n", "p.yaml");
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_EQ(r.errors[0].field, "policies[0].quantile");
  EXPECT_EQ(r.errors[1].field, "policies[0].lead");
  EXPECT_EQ(r.errors[2].ToString(), "p.yaml:6:5: policies[0].colour: unknown key");
}

TEST(PolicyFileTest, UnreadableFileIsOneErrorWithoutPosition) {
  const LoadResult r = LoadConfigFile("/nonexistent/policy.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].ToString(), "/nonexistent/policy.yaml: cannot read file");
}

TEST(PolicyFileTest, DuplicateMetricNamesAcrossPolicies) {
  const LoadResult r = ParseConfig(
      "policies:\n  - {name: a, query: up}\n  - {name: b, query: up, metrics: {observed: a}}\n",
      "p.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].ToString(),
            "p.yaml:3:5: policies[1]: serves metric a which another policy already serves");
}

TEST(PolicyFileTest, NamespacesAndNamespaceLabel) {
  EXPECT_EQ(OnlyError(std::string(kHead) + "    namespaces: [trading, Risk]\n"),
            "p.yaml:4:27: policies[0].namespaces[1]: must be a namespace name (a DNS-1123 label) "
            "or \"*\"");
  EXPECT_EQ(OnlyError(std::string(kHead) + "    namespaces: []\n"),
            "p.yaml:4:17: policies[0].namespaces: must be a non-empty list of namespace names or "
            "\"*\"");
  EXPECT_EQ(OnlyError(std::string(kHead) + "    namespace_label: kube-ns\n"),
            "p.yaml:4:22: policies[0].namespace_label: must be a label name "
            "([a-zA-Z_][a-zA-Z0-9_]*)");
}

}  // namespace
}  // namespace prescale::policies
