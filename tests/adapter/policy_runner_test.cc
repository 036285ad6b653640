#include "adapter/policy_runner.h"

#include <gtest/gtest.h>

#include <cmath>

namespace prescale::adapter {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr double kStep = 15;
constexpr double kT0 = 1764149400;  // 2025-11-26 09:30 UTC, a multiple of the step

policies::Policy TestPolicy() {
  policies::Policy p;
  p.name = "flow";
  p.query = "sum by (venue) (rate(orders_total[1m]))";
  p.step = seconds(15);
  p.history = hours(2);
  p.lead = seconds(60);
  p.quantile = 0.9;
  p.model = "auto";
  p.seasonality = {};
  p.max_staleness = minutes(10);
  p.scale_down_hold = minutes(5);
  p.observed_metric = "flow";
  p.forecast_metric = "flow_forecast";
  return p;
}

std::unique_ptr<PolicyRunner> MakeRunner(policies::Policy p = TestPolicy(),
                                         RunnerOptions o = RunnerOptions{}) {
  auto r = PolicyRunner::Create(std::move(p), o);
  if (auto* e = std::get_if<std::string>(&r)) ADD_FAILURE() << *e;
  return std::move(std::get<std::unique_ptr<PolicyRunner>>(r));
}

// A deterministic, noisy demand per bucket.
double Demand(int64_t k, int series = 0) {
  return 100 + 40 * std::sin(2 * M_PI * static_cast<double>(k) / 40.0) +
         static_cast<double>((k * 7919 + series * 104729) % 23) + 10 * series;
}

std::vector<Series> Chunk(double start, double end, int series_count = 2) {
  std::vector<Series> out;
  for (int i = 0; i < series_count; ++i) {
    Series s;
    s.labels = {{"venue", "v" + std::to_string(i)}};
    for (double t = start; t <= end; t += kStep)
      s.samples.push_back({t, Demand(static_cast<int64_t>(t / kStep), i)});
    out.push_back(std::move(s));
  }
  return out;
}

// Fetches what the runner plans at `now` from the synthetic source and advances it.
void Refresh(PolicyRunner& r, double now, int series_count = 2) {
  const auto plan = r.PlanFetch(now);
  for (const TimeRange& range : plan) r.Ingest(range, Chunk(range.start, range.end, series_count));
  r.FetchSucceeded(now);
  r.Advance(now);
}

std::vector<ServedMetric> Served(PolicyRunner& r, double now,
                                 std::vector<AuditRecord>* audit = nullptr) {
  std::vector<ServedMetric> out;
  r.AppendServed(now, &out, audit);
  return out;
}

TEST(PolicyRunnerTest, PlansTheStartUpWindowInChunksThenOnlyWhatIsNew) {
  RunnerOptions o;
  o.chunk_points = 100;
  auto r = MakeRunner(TestPolicy(), o);
  const double now = kT0 + 7;
  const auto plan = r->PlanFetch(now);
  // history 2h + refit 1h + hold, lead and grace 6m10s, on 15 s: 745 buckets, plus margin.
  const double points = (plan.back().end - plan.front().start) / kStep + 1;
  EXPECT_EQ(points, 749);
  EXPECT_EQ(plan.back().end, kT0);
  for (size_t i = 0; i < plan.size(); ++i) {
    EXPECT_LE((plan[i].end - plan[i].start) / kStep + 1, 100);
    EXPECT_EQ(std::fmod(plan[i].start, kStep), 0);
    if (i > 0) {
      EXPECT_EQ(plan[i].start, plan[i - 1].end + kStep);
    }
  }
  for (const TimeRange& range : plan) r->Ingest(range, {});
  r->FetchSucceeded(now);
  const auto next = r->PlanFetch(now + 15);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].start, kT0 - 2 * kStep);  // two steps of overlap for late scrapes
  EXPECT_EQ(next[0].end, kT0 + kStep);
  // An interrupted start-up resumes after the last range stored; smaller chunks on request.
  auto resumed = MakeRunner(TestPolicy(), o);
  resumed->Ingest(plan[0], {});
  resumed->Ingest(plan[1], {});
  EXPECT_EQ(resumed->PlanFetch(now).front().start, plan[1].end - 2 * kStep);
  EXPECT_TRUE(resumed->ShrinkChunks());
  EXPECT_EQ(resumed->chunk_points(), 50);
  for (const TimeRange& range : resumed->PlanFetch(now))
    EXPECT_LE(range.end - range.start, 49 * kStep);
  EXPECT_FALSE(resumed->backfilled());
  // After ten minutes without a successful fetch, the gap is fetched.
  const auto gap = r->PlanFetch(now + 600);
  EXPECT_EQ(gap.front().start, kT0 - 2 * kStep);
  EXPECT_EQ(gap.back().end, kT0 + 600);
}

TEST(PolicyRunnerTest, NoDataUntilTheHistoryIsLoaded) {
  auto r = MakeRunner();
  r->FetchFailed("connect: Connection refused");
  auto served = Served(*r, kT0);
  ASSERT_EQ(served.size(), 2u);
  EXPECT_EQ(served[0].state, ServedMetric::State::kNoData);
  EXPECT_EQ(served[1].state, ServedMetric::State::kNoData);
  EXPECT_EQ(served[0].unavailable_reason,
            "no data fetched from Prometheus yet for policy flow: connect: Connection refused");
  EXPECT_FALSE(r->backfilled());
  // Part of the start-up window stored: no model starts on it yet.
  const auto plan = r->PlanFetch(kT0);
  r->Ingest(plan.front(), Chunk(plan.front().start, plan.front().end));
  r->Advance(kT0);
  EXPECT_EQ(r->stats().refits, 0u);
  EXPECT_EQ(Served(*r, kT0)[1].state, ServedMetric::State::kNoData);
}

TEST(PolicyRunnerTest, ServesTheLatestSettledSampleAndAForecastNotBelowIt) {
  auto r = MakeRunner();
  Refresh(*r, kT0 + 3);
  // The sample at kT0 settles at kT0 + 10 (grace): until then the one before is served.
  EXPECT_DOUBLE_EQ(Served(*r, kT0 + 3)[0].values[0].value,
                   Demand(static_cast<int64_t>(kT0 / kStep) - 1, 0));
  Refresh(*r, kT0 + 12);
  const auto served = Served(*r, kT0 + 12);
  ASSERT_EQ(served[0].name, "flow");
  ASSERT_EQ(served[1].name, "flow_forecast");
  ASSERT_EQ(served[0].state, ServedMetric::State::kOk);
  ASSERT_EQ(served[0].values.size(), 2u);
  const int64_t k = static_cast<int64_t>(kT0 / kStep);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(served[0].values[i].labels.at("venue"), "v" + std::to_string(i));
    EXPECT_DOUBLE_EQ(served[0].values[i].value, Demand(k, i));
    EXPECT_EQ(served[0].values[i].timestamp,
              std::chrono::system_clock::time_point(seconds(static_cast<int64_t>(kT0))));
    EXPECT_GE(served[1].values[i].value, Demand(k, i));
    EXPECT_TRUE(std::isfinite(served[1].values[i].value));
  }
  EXPECT_EQ(r->stats().series, 2u);
  EXPECT_DOUBLE_EQ(r->DataAge(kT0 + 12), 12);
}

TEST(PolicyRunnerTest, HoldsValuesThroughAnOutageThenGoesStale) {
  auto r = MakeRunner();
  Refresh(*r, kT0 + 10);
  const auto before = Served(*r, kT0 + 10);
  for (double t = kT0 + 60; t <= kT0 + 600; t += 60) {
    r->FetchFailed("timeout: timed out");
    r->Advance(t);
    const auto during = Served(*r, t);
    ASSERT_EQ(during[1].state, ServedMetric::State::kOk) << t - kT0;
    for (int i = 0; i < 2; ++i) {
      EXPECT_GE(during[1].values[i].value, before[1].values[i].value);
      EXPECT_DOUBLE_EQ(during[0].values[i].value, before[0].values[i].value);
    }
  }
  const auto stale = Served(*r, kT0 + 601);
  EXPECT_EQ(stale[0].state, ServedMetric::State::kStale);
  EXPECT_EQ(stale[1].state, ServedMetric::State::kStale);
  EXPECT_NE(stale[1].unavailable_reason.find("601 s old, more than its max_staleness"),
            std::string::npos);
  EXPECT_NE(stale[1].unavailable_reason.find("timeout: timed out"), std::string::npos);
  EXPECT_TRUE(r->Stale(kT0 + 601));
  // Back: the gap is fetched and values are served again.
  Refresh(*r, kT0 + 700);
  const auto back = Served(*r, kT0 + 700);
  EXPECT_EQ(back[1].state, ServedMetric::State::kOk);
  EXPECT_DOUBLE_EQ(back[0].values[0].value, Demand(static_cast<int64_t>((kT0 + 690) / kStep)));
}

TEST(PolicyRunnerTest, NonFiniteSamplesNeverReachTheServedValues) {
  auto r = MakeRunner();
  Refresh(*r, kT0);
  std::vector<Series> chunk = Chunk(kT0 + 15, kT0 + 45);
  chunk[0].samples.back().value = std::nan("");
  chunk[1].samples.back().value = INFINITY;
  r->Ingest({kT0 + 15, kT0 + 45}, chunk);
  r->FetchSucceeded(kT0 + 45);
  r->Advance(kT0 + 55);  // the non-finite samples at kT0 + 45 have settled
  const auto served = Served(*r, kT0 + 55);
  for (const auto& m : served)
    for (const auto& v : m.values) EXPECT_TRUE(std::isfinite(v.value)) << m.name;
  EXPECT_DOUBLE_EQ(served[0].values[0].value, Demand(static_cast<int64_t>((kT0 + 30) / kStep)));
}

TEST(PolicyRunnerTest, VanishedSeriesExpireWhileOthersAreFresh) {
  auto r = MakeRunner();
  Refresh(*r, kT0, 2);
  for (double t = kT0 + 60; t <= kT0 + 660; t += 60) Refresh(*r, t, 1);  // v1 stops reporting
  const auto served = Served(*r, kT0 + 660);
  ASSERT_EQ(served[0].values.size(), 1u);
  EXPECT_EQ(served[0].values[0].labels.at("venue"), "v0");
  EXPECT_EQ(r->stats().series, 1u);
}

TEST(PolicyRunnerTest, ReplicasStartedAtDifferentTimesServeTheSameValues) {
  auto early = MakeRunner();
  Refresh(*early, kT0);
  for (double t = kT0 + 5; t <= kT0 + 3 * 3600; t += 5) Refresh(*early, t);
  const double now = kT0 + 3 * 3600;
  auto late = MakeRunner();
  Refresh(*late, now);
  const auto a = Served(*early, now);
  const auto b = Served(*late, now);
  ASSERT_EQ(a[1].values.size(), 2u);
  ASSERT_EQ(b[1].values.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(a[0].values[i].value, b[0].values[i].value);
    EXPECT_EQ(a[1].values[i].value, b[1].values[i].value) << "series " << i;
  }
  // And they keep agreeing as time goes on.
  for (double t = now + 5; t <= now + 1800; t += 5) {
    Refresh(*early, t);
    Refresh(*late, t);
    const auto x = Served(*early, t);
    const auto y = Served(*late, t);
    for (int i = 0; i < 2; ++i) ASSERT_EQ(x[1].values[i].value, y[1].values[i].value) << t - now;
  }
  EXPECT_GT(early->stats().refits, late->stats().refits);
}

TEST(PolicyRunnerTest, AuditsEachChangeOfAServedForecastOnce) {
  auto r = MakeRunner();
  Refresh(*r, kT0);
  std::vector<AuditRecord> audit;
  Served(*r, kT0, &audit);
  ASSERT_EQ(audit.size(), 2u);  // first publication of both series
  EXPECT_EQ(audit[0].metric, "flow_forecast");
  EXPECT_EQ(audit[0].labels.at("venue"), "v0");
  EXPECT_EQ(audit[0].decision_time, kT0 - 5);  // the sample at kT0 - 15, settled
  EXPECT_NE(audit[0].model.find("auto("), std::string::npos);
  audit.clear();
  Served(*r, kT0 + 5, &audit);  // nothing new
  EXPECT_TRUE(audit.empty());
}

}  // namespace
}  // namespace prescale::adapter
