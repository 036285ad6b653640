// The tuner on a synthetic history: candidates, the Pareto front, the objective, the split and
// the independence of the result from the number of threads.
#include "policies/backtest/tune.h"

#include "policies/backtest/tune_report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace prescale::policies {
namespace {

constexpr double kStart = 1381104000;  // 2013-10-07 00:00 UTC

// Four days of one-minute buckets: a noisy level and a daily burst at 12:00 UTC.
forecasting::Trace History() {
  forecasting::Trace t;
  t.start_unix = kStart;
  t.step_seconds = 60;
  uint64_t state = 12345;
  for (int m = 0; m < 4 * 1440; ++m) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const double noise = static_cast<double>(state >> 40) / static_cast<double>(1ULL << 24);
    const int minute = m % 1440;
    const double burst = minute >= 720 && minute < 750 ? 300 : 0;
    t.values.push_back(100 + 60 * noise + burst);
  }
  return t;
}

TuneOptions Options() {
  TuneOptions o;
  o.base.policy.model = "ses";
  o.base.policy.learn_events = false;
  o.base.policy.backtest.capacity_per_pod = 10;
  o.train_fraction = 0.5;
  o.train_warm_up = std::chrono::hours(12);
  o.grid.quantiles = {0.6, 0.9};
  o.grid.leads = {std::chrono::seconds(60)};
  o.grid.holds = {std::chrono::minutes(1), std::chrono::minutes(5)};
  o.grid.models = {"ses"};
  o.grid.targets = {0.7, 0.8, 1.0};
  o.grid.event_window_scales = {1};
  o.objective.max_cost = 1.3;
  return o;
}

TuneResult Tune(const TuneOptions& o) {
  auto out = RunTune(History(), o);
  if (auto* e = std::get_if<BacktestError>(&out)) ADD_FAILURE() << e->message;
  return std::get<TuneResult>(std::move(out));
}

TEST(TuneTest, EvaluatesEveryCandidateAndFindsTheCurrentPolicy) {
  const TuneResult r = Tune(Options());
  ASSERT_EQ(r.candidates.size(), 12u);
  EXPECT_EQ(r.current.knobs, KnobsOf(Options().base.policy));
  EXPECT_DOUBLE_EQ(r.split_unix, kStart + 2 * 86400);
  EXPECT_EQ(r.train_warm_up_seconds, 12 * 3600);
  for (const TuneCandidate& c : r.candidates) {
    EXPECT_GT(c.train.pod_seconds, 0);
    EXPECT_GE(c.train.unserved_fraction, 0);
  }
  // A higher target buys fewer pods, all else equal.
  EXPECT_GT(r.candidates[0].train.pod_seconds, r.candidates[2].train.pod_seconds);
  // The current policy at its target costs what reactive does times its own ratio; reactive's
  // curve holds one point per target.
  EXPECT_EQ(r.reactive.size(), 3u);
}

TEST(TuneTest, ACandidatesTrainingFiguresAreItsBacktestOnTheTrainingPart) {
  const TuneOptions o = Options();
  const TuneResult r = Tune(o);
  const forecasting::Trace history = History();
  const forecasting::Trace train{history.start_unix,
                                 history.step_seconds,
                                 {history.values.begin(), history.values.begin() + 2 * 1440}};
  for (size_t i : {size_t{0}, size_t{4}, size_t{11}}) {
    BacktestOptions b = o.base;
    b.policy = WithKnobs(o.base.policy, r.candidates[i].knobs);
    b.warm_up = std::chrono::seconds(r.train_warm_up_seconds);
    auto out = RunBacktest(train, b);
    ASSERT_TRUE(std::holds_alternative<BacktestResult>(out));
    const BacktestResult& direct = std::get<BacktestResult>(out);
    EXPECT_EQ(direct.of(Strategy::kPrescale).pod_seconds, r.candidates[i].train.pod_seconds);
    EXPECT_EQ(direct.of(Strategy::kPrescale).unserved_fraction,
              r.candidates[i].train.unserved_fraction);
    EXPECT_EQ(direct.equal_cost_advantage, r.candidates[i].train.equal_cost_advantage);
  }
}

TEST(TuneTest, TheParetoFrontHoldsExactlyTheUndominatedCandidates) {
  const TuneResult r = Tune(Options());
  int front = 0;
  for (const TuneCandidate& c : r.candidates) {
    bool dominated = false;
    for (const TuneCandidate& o : r.candidates) {
      dominated =
          dominated ||
          (o.train.cost <= c.train.cost && o.train.unserved_fraction <= c.train.unserved_fraction &&
           (o.train.cost < c.train.cost || o.train.unserved_fraction < c.train.unserved_fraction));
    }
    EXPECT_EQ(c.pareto, !dominated);
    front += c.pareto;
  }
  EXPECT_GE(front, 2);
}

TEST(TuneTest, RecommendsTheLeastUnservedEligibleCandidateWithinTheCost) {
  const TuneResult r = Tune(Options());
  ASSERT_TRUE(r.recommended);
  const TuneCandidate& best = r.candidates[*r.recommended];
  EXPECT_TRUE(best.eligible);
  EXPECT_LE(best.train.cost, 1.3 / 1.05);
  for (const TuneCandidate& c : r.candidates) {
    EXPECT_EQ(c.feasible, c.train.cost <= 1.3 / 1.05) << DescribeKnobs(c.knobs);
    if (c.eligible) {
      EXPECT_GE(c.train.unserved_fraction, best.train.unserved_fraction);
    }
  }
  ASSERT_TRUE(r.validation_recommended);
  ASSERT_TRUE(r.recommended_validation);
  // Validation accounts only the part after the split.
  EXPECT_EQ(r.validation_current.warm_up_seconds, 2 * 86400);
  EXPECT_EQ(r.validation_meets_constraints, r.recommended_validation->cost <= 1.3);
  EXPECT_DOUBLE_EQ(r.current_validation.cost,
                   r.validation_current.of(Strategy::kPrescale).pod_seconds /
                       r.validation_current.of(Strategy::kReactive).pod_seconds);
}

TEST(TuneTest, AMaximumUnservedAloneMinimisesCost) {
  TuneOptions o = Options();
  o.objective = {};
  o.objective.max_unserved = 0.05;
  const TuneResult r = Tune(o);
  ASSERT_TRUE(r.recommended);
  const TuneCandidate& best = r.candidates[*r.recommended];
  EXPECT_LE(best.train.unserved_fraction, 0.05 / 1.05);
  for (const TuneCandidate& c : r.candidates)
    if (c.eligible) {
      EXPECT_GE(c.train.cost, best.train.cost);
    }
}

TEST(TuneTest, WithoutAnObjectiveTheCurrentCostIsTheLimit) {
  TuneOptions o = Options();
  o.objective = {};
  const TuneResult r = Tune(o);
  ASSERT_TRUE(r.objective.max_cost);
  EXPECT_DOUBLE_EQ(*r.objective.max_cost, r.current.train.cost * 1.05);
  EXPECT_TRUE(r.recommended);
}

TEST(TuneTest, AnImpossibleObjectiveRecommendsNothing) {
  TuneOptions o = Options();
  o.objective.max_cost = 0.01;
  const TuneResult r = Tune(o);
  EXPECT_FALSE(r.recommended);
  EXPECT_FALSE(r.validation_recommended);
}

TEST(TuneTest, ResultsDoNotDependOnTheThreadCount) {
  TuneOptions o = Options();
  o.threads = 1;
  size_t calls = 0, last_total = 0, last_done = 0;
  o.progress = [&](size_t done, size_t total) {
    ++calls;
    EXPECT_GT(done, last_done);
    last_done = done;
    last_total = total;
  };
  const TuneResult serial = Tune(o);
  EXPECT_EQ(calls, 4u);  // one per pipeline run
  EXPECT_EQ(last_done, 12u);
  EXPECT_EQ(last_total, 12u);
  o.threads = 3;
  o.progress = nullptr;
  const TuneResult parallel = Tune(o);
  ASSERT_EQ(serial.candidates.size(), parallel.candidates.size());
  for (size_t i = 0; i < serial.candidates.size(); ++i) {
    EXPECT_EQ(serial.candidates[i].knobs, parallel.candidates[i].knobs);
    EXPECT_EQ(serial.candidates[i].train.pod_seconds, parallel.candidates[i].train.pod_seconds);
    EXPECT_EQ(serial.candidates[i].train.unserved_fraction,
              parallel.candidates[i].train.unserved_fraction);
    EXPECT_EQ(serial.candidates[i].train.equal_cost_advantage,
              parallel.candidates[i].train.equal_cost_advantage);
  }
  EXPECT_EQ(serial.recommended, parallel.recommended);
}

TEST(TuneTest, RejectsAHistoryTooShortAndAnEmptyGrid) {
  TuneOptions o = Options();
  forecasting::Trace tiny{kStart, 60, {1, 2, 3}};
  auto out = RunTune(tiny, o);
  ASSERT_TRUE(std::holds_alternative<BacktestError>(out));
  EXPECT_NE(std::get<BacktestError>(out).message.find("too short"), std::string::npos);
  o.grid.targets.clear();
  out = RunTune(History(), o);
  ASSERT_TRUE(std::holds_alternative<BacktestError>(out));
  o = Options();
  o.grid.models = {"prophet"};
  out = RunTune(History(), o);
  ASSERT_TRUE(std::holds_alternative<BacktestError>(out));
  EXPECT_NE(std::get<BacktestError>(out).message.find("prophet"), std::string::npos);
}

TEST(TuneTest, TheSvgDrawsTheWholeFront) {
  TuneOptions o = Options();
  o.grid.quantiles = {0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99};
  const TuneResult r = Tune(o);
  const std::string svg = RenderTuneSvg(r, "a title & <more>");
  size_t front = 0;
  for (const TuneCandidate& c : r.candidates) front += c.pareto;
  const size_t at = svg.find("<polyline fill=\"none\" stroke=\"#1f77b4\"");
  ASSERT_NE(at, std::string::npos);
  const std::string line = svg.substr(at, svg.find('\n', at) - at);
  EXPECT_EQ(static_cast<size_t>(std::count(line.begin(), line.end(), ',')), front) << line;
  EXPECT_EQ(line.substr(line.size() - 3), "\"/>");
  EXPECT_NE(svg.find("a title &amp; &lt;more&gt;"), std::string::npos);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
}

TEST(TuneTest, KnobsApplyToThePolicyAndScaleEventWindows) {
  Policy p;
  p.events.push_back({"open", "30 9 * * 1-5", "America/New_York"});
  TuneKnobs k = KnobsOf(p);
  k.quantile = 0.97;
  k.lead = std::chrono::seconds(90);
  k.scale_down_hold = std::chrono::minutes(10);
  k.model = "profile";
  k.target_utilization = 0.6;
  k.event_window_scale = 2;
  const Policy tuned = WithKnobs(p, k);
  EXPECT_EQ(tuned.quantile, 0.97);
  EXPECT_EQ(tuned.lead, std::chrono::seconds(90));
  EXPECT_EQ(tuned.scale_down_hold, std::chrono::minutes(10));
  EXPECT_EQ(tuned.model, "profile");
  EXPECT_EQ(tuned.backtest.target_utilization, 0.6);
  EXPECT_EQ(tuned.events[0].before_seconds, 600);
  EXPECT_EQ(tuned.events[0].after_seconds, 3600);
  k.event_window_scale = 1;
  EXPECT_EQ(KnobsOf(WithKnobs(p, k)), k);
}

TEST(TuneTest, TheDefaultGridHoldsThePolicysOwnValues) {
  Policy p;
  p.quantile = 0.85;
  p.scale_down_hold = std::chrono::minutes(7);
  p.backtest.target_utilization = 0.75;
  const TuneGrid g = DefaultTuneGrid(p);
  EXPECT_NE(std::find(g.quantiles.begin(), g.quantiles.end(), 0.85), g.quantiles.end());
  EXPECT_NE(std::find(g.holds.begin(), g.holds.end(), std::chrono::minutes(7)), g.holds.end());
  EXPECT_NE(std::find(g.targets.begin(), g.targets.end(), 0.75), g.targets.end());
  EXPECT_EQ(g.event_window_scales.size(), 1u);  // no events
  EXPECT_GE(g.size(), 100u);
  p.events.push_back({"open", "30 9 * * 1-5"});
  EXPECT_EQ(DefaultTuneGrid(p).event_window_scales.size(), 2u);
}

}  // namespace
}  // namespace prescale::policies
