// A synthetic day with a known spike, where every figure can be computed by hand.
#include "policies/backtest/backtest.h"

#include <gtest/gtest.h>

#include <cmath>

namespace prescale::policies {
namespace {

constexpr double kStart = 1381104000;  // 2013-10-07 00:00 UTC
constexpr int kDays = 3;
constexpr int kSpikeStartMinute = 12 * 60;  // 12:00 UTC every day, for 30 minutes

// A test double with the forecasting interface: predicts the bucket one day earlier (or the
// last value without a day of history), as a perfectly periodic model would.
class YesterdayModel : public forecasting::Model {
 public:
  std::string name() const override { return "yesterday"; }
  void Fit(double, std::span<const double> history) override {
    history_.assign(history.begin(), history.end());
    ++fits_;
  }
  void Update(double v) override { history_.push_back(v); }
  std::vector<forecasting::ForecastPoint> Forecast(int h, double q) const override {
    std::vector<forecasting::ForecastPoint> out;
    for (int k = 1; k <= h; ++k) {
      const long i = static_cast<long>(history_.size()) + k - 1 - 1440;
      const double v = i >= 0 ? history_[i] : (history_.empty() ? 0 : history_.back());
      out.push_back({v, v});
    }
    return out;
  }
  std::unique_ptr<Model> Clone() const override { return std::make_unique<YesterdayModel>(*this); }

 private:
  std::vector<double> history_;
  int fits_ = 0;
};

forecasting::Trace SpikyTrace() {
  forecasting::Trace t;
  t.start_unix = kStart;
  t.step_seconds = 60;
  for (int m = 0; m < kDays * 1440; ++m) {
    const int minute_of_day = m % 1440;
    const bool spike = minute_of_day >= kSpikeStartMinute && minute_of_day < kSpikeStartMinute + 30;
    t.values.push_back(spike ? 450 : 10);
  }
  return t;
}

BacktestOptions Options() {
  BacktestOptions o;
  o.policy.backtest.min_replicas = 5;
  o.policy.backtest.max_replicas = 50;
  o.policy.backtest.capacity_per_pod = 10;
  o.policy.backtest.target_utilization = 0.8;
  o.policy.backtest.pod_startup = std::chrono::seconds(30);
  o.policy.backtest.sync_period = std::chrono::seconds(15);
  Behavior b;
  b.scale_up.emplace();
  b.scale_up->stabilization_window_seconds = 0;
  b.scale_up->policies = {{ScalingPolicy::Type::kPods, 45, 15}};
  b.scale_down.emplace();
  b.scale_down->stabilization_window_seconds = 300;
  b.scale_down->policies = {{ScalingPolicy::Type::kPercent, 10, 60}};
  o.policy.backtest.behavior = b;
  o.policy.lead = std::chrono::seconds(60);
  o.make_model = [] { return std::make_unique<YesterdayModel>(); };
  return o;
}

const StrategyResult& Of(const BacktestResult& r, Strategy s) { return r.of(s); }

TEST(BacktestTest, SpikesAndLeadsMatchHandComputation) {
  auto out = RunBacktest(SpikyTrace(), Options());
  ASSERT_TRUE(std::holds_alternative<BacktestResult>(out)) << std::get<BacktestError>(out).message;
  const BacktestResult& r = std::get<BacktestResult>(out);
  ASSERT_EQ(r.spikes.size(), 3u);  // required 5 -> 45 at 12:00 each day
  EXPECT_DOUBLE_EQ(r.spikes[1].onset_unix, kStart + 86400 + 43200);
  EXPECT_EQ(r.spikes[0].required, 45);
  for (const SpikeResult& s : r.spikes) {
    // Reactive: the spike bucket [T, T+60) settles at T+70 (grace 10 s), the sync at T+75 asks
    // for 50 pods (+45 in one sync), ready at T+105.
    EXPECT_EQ(s.lead_seconds[0], -105);
    EXPECT_EQ(s.lead_seconds[3], 0);  // the oracle's pods become ready exactly at the onset
    EXPECT_FALSE(s.scheduled);        // no calendar
  }
  // seasonal_naive sees yesterday's spike in the lead window from the sync at T-60 on: 50 pods
  // ready at T-30.
  EXPECT_EQ(r.spikes[0].lead_seconds[1], -105);
  EXPECT_EQ(r.spikes[1].lead_seconds[1], 30);
  EXPECT_EQ(r.spikes[2].lead_seconds[1], 30);
  // prescale (a perfectly periodic model) decides at data times: the bucket ending at T-60
  // settles at T-50, and that decision's window [T-50, T+10] reaches the spike bucket; the sync
  // at T-45 asks for 50 pods, ready at T-15.
  EXPECT_EQ(r.spikes[1].lead_seconds[2], 15);
  EXPECT_EQ(r.spikes[2].lead_seconds[2], 15);

  EXPECT_EQ(Of(r, Strategy::kReactive).spikes_ready_before_onset, 0);
  EXPECT_EQ(Of(r, Strategy::kSeasonalNaive).spikes_ready_before_onset, 2);
  EXPECT_EQ(Of(r, Strategy::kPrescale).spikes_ready_before_onset, 2);
  EXPECT_EQ(Of(r, Strategy::kOracle).spikes_ready_before_onset, 3);
  EXPECT_EQ(Of(r, Strategy::kReactive).median_spike_lead_seconds, -105);
  EXPECT_EQ(Of(r, Strategy::kSeasonalNaive).median_spike_lead_seconds, 30);

  // Unserved: 105 s short by 450 - 5 x 10 per missed spike; total demand per day is
  // 10 x 84600 + 450 x 1800.
  const double total = kDays * (10.0 * 84600 + 450.0 * 1800);
  EXPECT_NEAR(Of(r, Strategy::kReactive).unserved_fraction, 3 * 105 * 400.0 / total, 1e-12);
  EXPECT_NEAR(Of(r, Strategy::kSeasonalNaive).unserved_fraction, 105 * 400.0 / total, 1e-12);
  EXPECT_NEAR(Of(r, Strategy::kPrescale).unserved_fraction, 105 * 400.0 / total, 1e-12);
  EXPECT_EQ(Of(r, Strategy::kReactive).underprovisioned_seconds, 3 * 105);
  // Every loss lies within 10 minutes after an (unscheduled) onset.
  EXPECT_NEAR(Of(r, Strategy::kReactive).unserved_by_cause.unscheduled_ramp,
              Of(r, Strategy::kReactive).unserved_fraction, 1e-12);
  EXPECT_EQ(Of(r, Strategy::kReactive).unserved_by_cause.scheduled, 0);
  EXPECT_EQ(Of(r, Strategy::kReactive).unserved_by_cause.other, 0);
  EXPECT_EQ(Of(r, Strategy::kPrescale).unscheduled_spikes_ready, 2);
  EXPECT_EQ(Of(r, Strategy::kOracle).unserved_fraction, 0);
  // Oracle pods: 45 over [T - 30 s, T + 30 min), 5 otherwise.
  EXPECT_DOUBLE_EQ(Of(r, Strategy::kOracle).pod_seconds, kDays * (5.0 * 84570 + 45.0 * 1830));
  EXPECT_EQ(Of(r, Strategy::kOracle).max_replicas_used, 45);
  EXPECT_EQ(Of(r, Strategy::kReactive).max_replicas_used, 50);
  // HPA strategies pay for the utilization target and the gentle scale-down.
  EXPECT_GT(Of(r, Strategy::kReactive).pod_seconds, Of(r, Strategy::kOracle).pod_seconds);

  ASSERT_EQ(r.series.size(), static_cast<size_t>(kDays * 86400 / 15));
  const SeriesRow& at_open = r.series[(86400 + 43200) / 15];  // day 2, 12:00
  EXPECT_DOUBLE_EQ(at_open.demand, 450);
  EXPECT_EQ(at_open.ready[static_cast<int>(Strategy::kPrescale)], 50);
  EXPECT_EQ(at_open.ready[static_cast<int>(Strategy::kReactive)], 5);
  EXPECT_DOUBLE_EQ(at_open.observed, 10);
  EXPECT_DOUBLE_EQ(at_open.forecast, 450);
  EXPECT_EQ(r.model_name, "yesterday");
}

TEST(BacktestTest, PerfectForecastIsTheDecisionOnTheTrueDemand) {
  BacktestOptions o = Options();
  auto without = RunBacktest(SpikyTrace(), o);
  ASSERT_TRUE(std::holds_alternative<BacktestResult>(without));
  EXPECT_FALSE(std::get<BacktestResult>(without).ran(Strategy::kPerfectForecast));

  o.perfect_forecast = true;
  auto out = RunBacktest(SpikyTrace(), o);
  ASSERT_TRUE(std::holds_alternative<BacktestResult>(out));
  const BacktestResult& r = std::get<BacktestResult>(out);
  ASSERT_TRUE(r.ran(Strategy::kPerfectForecast));
  const StrategyResult& perfect = r.of(Strategy::kPerfectForecast);
  // Even the first day's spike: the decision at T-50 sees it in [now, now + lead], 50 pods are
  // ready at T-15, and nothing is ever short.
  EXPECT_EQ(perfect.spikes_ready_before_onset, 3);
  EXPECT_EQ(perfect.median_spike_lead_seconds, 15);
  EXPECT_EQ(perfect.unserved_fraction, 0);
  EXPECT_EQ(perfect.underprovisioned_seconds, 0);
  // From the second day on, the periodic model is a perfect forecast too. On the first day
  // prescale's model asks for the 45 extra pods at T+75 (the spike bucket settled), the perfect
  // forecast at T-45; both scale down alike, as the observed spike holds the served value
  // up to T+31m. So they differ by 45 pods for 120 s.
  const StrategyResult& prescale = Of(r, Strategy::kPrescale);
  EXPECT_EQ(prescale.underprovisioned_seconds, 105);
  EXPECT_DOUBLE_EQ(perfect.pod_seconds - prescale.pod_seconds, 45.0 * 120);
  // The prescale strategy's own figures do not change when perfect_forecast runs beside it.
  EXPECT_EQ(prescale.pod_seconds,
            Of(std::get<BacktestResult>(without), Strategy::kPrescale).pod_seconds);
}

TEST(BacktestTest, ReactiveMatchedCostsWhatPrescaleCosts) {
  auto out = RunBacktest(SpikyTrace(), Options());
  ASSERT_TRUE(std::holds_alternative<BacktestResult>(out));
  const BacktestResult& r = std::get<BacktestResult>(out);
  const StrategyResult& prescale = Of(r, Strategy::kPrescale);
  const StrategyResult& matched = Of(r, Strategy::kReactiveMatched);
  // Pods come in whole numbers at a sync: on this two-level trace the closest reactive is a pod
  // for the three days (43,200 pod-seconds) short of prescale.
  EXPECT_NEAR(matched.pod_seconds, prescale.pod_seconds, 43200);
  ASSERT_TRUE(matched.target_utilization.has_value());
  EXPECT_LT(*matched.target_utilization, 0.8);  // prescale costs more than reactive at 0.8
  ASSERT_TRUE(r.equal_cost_advantage.has_value());
  EXPECT_DOUBLE_EQ(*r.equal_cost_advantage, matched.unserved_fraction / prescale.unserved_fraction);
  EXPECT_EQ(matched.spikes_ready_before_onset, 0);  // headroom does not see a spike coming
}

TEST(BacktestTest, ReactiveMatchedIsWithinHalfAPercentWhereCostIsContinuous) {
  // A noisy level, so that each step of the target changes the pod count somewhere.
  forecasting::Trace t;
  t.start_unix = kStart;
  t.step_seconds = 60;
  for (int m = 0; m < 2 * 1440; ++m)
    t.values.push_back(200 + 150 * std::sin(m / 90.0) + (m * 7919) % 61);
  BacktestOptions o = Options();
  o.policy.backtest.capacity_per_pod.reset();
  auto out = RunBacktest(t, o);
  ASSERT_TRUE(std::holds_alternative<BacktestResult>(out));
  const BacktestResult& r = std::get<BacktestResult>(out);
  const double prescale = Of(r, Strategy::kPrescale).pod_seconds;
  EXPECT_NEAR(Of(r, Strategy::kReactiveMatched).pod_seconds, prescale, 0.005 * prescale);
}

TEST(BacktestTest, SpikesInAnEventsWindowAreScheduled) {
  BacktestOptions o = Options();
  o.policy.events = {{"noon", "0 12 * * *", "UTC"}};
  o.policy.events[0].before_seconds = 60;
  o.policy.events[0].after_seconds = 60;
  auto out = RunBacktest(SpikyTrace(), o);
  ASSERT_TRUE(std::holds_alternative<BacktestResult>(out));
  const BacktestResult& r = std::get<BacktestResult>(out);
  for (const SpikeResult& s : r.spikes) EXPECT_TRUE(s.scheduled);
  const StrategyResult& reactive = Of(r, Strategy::kReactive);
  EXPECT_EQ(reactive.scheduled_spikes_ready + reactive.unscheduled_spikes_ready,
            reactive.spikes_ready_before_onset);
  // Losses in [12:00, 12:01] are scheduled; the rest of each 105 s ramp is not in the window.
  const double total = kDays * (10.0 * 84600 + 450.0 * 1800);
  EXPECT_NEAR(reactive.unserved_by_cause.scheduled, 3 * 61 * 400.0 / total, 1e-12);
  EXPECT_NEAR(reactive.unserved_by_cause.scheduled + reactive.unserved_by_cause.unscheduled_ramp +
                  reactive.unserved_by_cause.other,
              reactive.unserved_fraction, 1e-12);
}

TEST(BacktestTest, WarmUpIsSimulatedButNotAccounted) {
  BacktestOptions o = Options();
  o.warm_up = std::chrono::hours(24);
  auto out = RunBacktest(SpikyTrace(), o);
  ASSERT_TRUE(std::holds_alternative<BacktestResult>(out));
  const BacktestResult& r = std::get<BacktestResult>(out);
  EXPECT_EQ(r.spikes.size(), 2u);                              // day 1's spike is in the warm-up
  EXPECT_EQ(Of(r, Strategy::kPrescale).unserved_fraction, 0);  // ready for days 2 and 3
  EXPECT_EQ(Of(r, Strategy::kPrescale).spikes_ready_before_onset, 2);
  const double total = (kDays - 1) * (10.0 * 84600 + 450.0 * 1800);
  EXPECT_NEAR(Of(r, Strategy::kReactive).unserved_fraction, 2 * 105 * 400.0 / total, 1e-12);
}

TEST(BacktestTest, CapacityDefaultsToThe999thPercentileOverMaxReplicas) {
  BacktestOptions o = Options();
  o.policy.backtest.capacity_per_pod.reset();
  auto out = RunBacktest(SpikyTrace(), o);
  ASSERT_TRUE(std::holds_alternative<BacktestResult>(out));
  EXPECT_DOUBLE_EQ(std::get<BacktestResult>(out).capacity_per_pod, 450.0 / 50);
}

TEST(BacktestTest, RejectsEmptyTraceAndBadCalendar) {
  forecasting::Trace empty;
  empty.step_seconds = 60;
  EXPECT_TRUE(std::holds_alternative<BacktestError>(RunBacktest(empty, Options())));
  BacktestOptions o = Options();
  o.policy.events = {{"open", "30 9 * * 1-5", "Nowhere/City"}};
  auto out = RunBacktest(SpikyTrace(), o);
  ASSERT_TRUE(std::holds_alternative<BacktestError>(out));
  EXPECT_NE(std::get<BacktestError>(out).message.find("Nowhere/City"), std::string::npos);
}

}  // namespace
}  // namespace prescale::policies
