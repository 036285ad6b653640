// The bounds of PolicyRunner: max_series (the first label sets in label order), the process-wide
// history budget, and samples stamped outside the queried range.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "adapter/policy_runner.h"

namespace prescale::adapter {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr double kStep = 15;
constexpr double kT0 = 1764149400;  // a multiple of the step

policies::Policy SmallPolicy(int max_series) {
  policies::Policy p;
  p.name = "flow";
  p.query = "q";
  p.step = seconds(15);
  p.history = hours(1);
  p.lead = seconds(60);
  p.model = "naive";
  p.max_staleness = minutes(10);
  p.scale_down_hold = minutes(1);
  p.learn_events = false;
  p.max_series = max_series;
  p.observed_metric = "flow";
  p.forecast_metric = "flow_forecast";
  return p;
}

std::unique_ptr<PolicyRunner> Runner(int max_series, RunnerOptions o = {}) {
  auto r = PolicyRunner::Create(SmallPolicy(max_series), o);
  if (auto* e = std::get_if<std::string>(&r)) ADD_FAILURE() << *e;
  return std::move(std::get<std::unique_ptr<PolicyRunner>>(r));
}

Series Venue(const std::string& venue, double start, double end, double value = 100) {
  Series s;
  s.labels = {{"venue", venue}};
  for (double t = start; t <= end; t += kStep) s.samples.push_back({t, value});
  return s;
}

std::vector<std::string> Kept(PolicyRunner& r, double now) {
  std::vector<ServedMetric> out;
  r.AppendServed(now, &out, nullptr);
  std::vector<std::string> venues;
  for (const auto& v : out[0].values) venues.push_back(v.labels.at("venue"));
  return venues;
}

TEST(PolicyRunnerBoundsTest, KeepsTheFirstMaxSeriesInLabelOrderWhateverTheAnswerOrder) {
  const TimeRange range{kT0 - 300, kT0};
  // The same label sets in two answer orders: the same two are kept, the third counted.
  for (const std::vector<std::string>& order :
       {std::vector<std::string>{"c", "a", "b"}, std::vector<std::string>{"b", "c", "a"}}) {
    auto r = Runner(2);
    std::vector<Series> answer;
    for (const std::string& v : order) answer.push_back(Venue(v, range.start, range.end));
    const IngestReport report = r->Ingest(range, answer);
    EXPECT_EQ(report.series_over_limit, 1u);
    r->FetchSucceeded(kT0);
    r->Advance(kT0 + 15);
    EXPECT_EQ(Kept(*r, kT0 + 15), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(r->stats().series, 2u);
  }
  // A label set that sorts first replaces the last one kept, so replicas that saw the series
  // appear in different orders converge on the same ones.
  auto r = Runner(2);
  r->Ingest(range, {Venue("b", range.start, range.end), Venue("c", range.start, range.end)});
  const TimeRange next{kT0 - 30, kT0 + 15};
  const IngestReport report =
      r->Ingest(next, {Venue("a", next.start, next.end), Venue("b", next.start, next.end),
                       Venue("c", next.start, next.end)});
  EXPECT_EQ(report.series_over_limit, 1u);  // c: replaced, then refused (once)
  r->FetchSucceeded(kT0 + 15);
  r->Advance(kT0 + 30);
  EXPECT_EQ(Kept(*r, kT0 + 30), (std::vector<std::string>{"a", "b"}));
  // Within the limit again: nothing refused.
  EXPECT_EQ(r->Ingest(next, {Venue("a", next.start, next.end)}).series_over_limit, 0u);
}

TEST(PolicyRunnerBoundsTest, SeriesAreReservedInTheHistoryBudgetBeforeTheyAreAllocated) {
  RunnerOptions o;
  auto probe = Runner(10);
  const size_t per_series = probe->series_bytes();
  ASSERT_GT(per_series, 0u);
  o.budget = std::make_shared<HistoryBudget>(per_series * 3 + per_series / 2);  // 3.5 series
  const TimeRange range{kT0 - 300, kT0};
  {
    auto first = Runner(10, o);
    auto second = Runner(10, o);
    EXPECT_EQ(first
                  ->Ingest(range,
                           {Venue("a", range.start, range.end), Venue("b", range.start, range.end)})
                  .series_over_budget,
              0u);
    // The budget is the process's: the second policy gets what is left (one series).
    const IngestReport report = second->Ingest(
        range, {Venue("x", range.start, range.end), Venue("y", range.start, range.end)});
    EXPECT_EQ(report.series_over_budget, 1u);
    EXPECT_EQ(second->stats().series, 1u);
    EXPECT_EQ(o.budget->used(), 3 * per_series);
    EXPECT_EQ(first->history_bytes() + second->history_bytes(), o.budget->used());
    // Series that expire give their bytes back.
    second->FetchSucceeded(kT0 + 3600);
    first->Ingest({kT0 + 3585, kT0 + 3600}, {Venue("a", kT0 + 3585, kT0 + 3600)});
    first->FetchSucceeded(kT0 + 3600);  // b stopped reporting an hour ago
    EXPECT_EQ(first->stats().series, 1u);
    EXPECT_EQ(o.budget->used(), 2 * per_series);
  }
  EXPECT_EQ(o.budget->used(), 0u);  // and runners that go give back all of theirs
}

TEST(PolicyRunnerBoundsTest, SamplesOutsideTheQueriedRangeAreRefused) {
  auto r = Runner(10);
  const TimeRange range{kT0 - 300, kT0};
  Series s = Venue("a", range.start, range.end);
  // A sample a day in the future would pin the data age at 0 and never go stale; absurd times
  // would make llround() undefined. Within one step of the range is accepted (rounding).
  const double kHuge = 1e300;
  for (double t :
       {kT0 + 86400, kT0 + 2 * kStep, range.start - 2 * kStep, kHuge, -kHuge,
        std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()})
    s.samples.push_back({t, 1e9});
  s.samples.push_back({range.end + kStep, 100});
  const IngestReport report = r->Ingest(range, {s});
  EXPECT_EQ(report.samples_out_of_range, 7u);
  r->FetchSucceeded(kT0);
  r->Advance(kT0 + 40);
  // The newest accepted sample is at kT0 + 15: ten minutes later the data is ten minutes old.
  EXPECT_DOUBLE_EQ(r->DataAge(kT0 + 15 + 600), 600);
  EXPECT_GE(r->DataAge(kT0), 0);  // never negative
  EXPECT_TRUE(r->Stale(kT0 + 15 + 601));
  std::vector<ServedMetric> out;
  r->AppendServed(kT0 + 40, &out, nullptr);
  ASSERT_EQ(out[0].values.size(), 1u);
  EXPECT_EQ(out[0].values[0].value, 100);  // 1e9 never stored
}

}  // namespace
}  // namespace prescale::adapter
