#include "policies/series_pipeline.h"

#include <gtest/gtest.h>

#include <cmath>

namespace prescale::policies {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr double kStep = 60;
constexpr int64_t kK0 = 1381104000 / 60;  // 2013-10-07 00:00 UTC, in steps

Policy TestPolicy(const std::string& model = "auto") {
  Policy p;
  p.name = "flow";
  p.step = seconds(60);
  p.history = hours(6);
  p.lead = seconds(60);
  p.grace = seconds(10);
  p.refit_every = hours(1);
  p.scale_down_hold = minutes(5);
  p.model = model;
  return p;
}

std::shared_ptr<const PipelineSettings> Settings(const Policy& p) {
  auto made = PipelineSettings::Create(p, kStep);
  if (auto* e = std::get_if<std::string>(&made)) ADD_FAILURE() << *e;
  return std::get<std::shared_ptr<const PipelineSettings>>(made);
}

double Demand(int64_t k) {
  return 200 + 80 * std::sin(2 * M_PI * static_cast<double>(k) / 90.0) +
         static_cast<double>((k * 7919) % 37);
}

double End(int64_t k) { return static_cast<double>(k + 1) * kStep; }

TEST(SeriesPipelineTest, ABucketSettlesGraceAfterItsEnd) {
  SeriesPipeline p(Settings(TestPolicy("naive")), StableLabelHash({}));
  p.Put(kK0, 100);
  p.Advance(End(kK0) + 9);
  EXPECT_FALSE(p.decided());
  EXPECT_FALSE(p.Observed(End(kK0) + 9).has_value());
  EXPECT_EQ(p.Served(End(kK0) + 9), 0);  // nothing settled yet
  p.Advance(End(kK0) + 10);
  ASSERT_TRUE(p.decided());
  EXPECT_EQ(p.decision_time(), End(kK0) + 10);
  ASSERT_TRUE(p.Observed(End(kK0) + 10).has_value());
  EXPECT_EQ(p.Observed(End(kK0) + 10)->bucket, kK0);
  EXPECT_EQ(p.Observed(End(kK0) + 10)->value, 100);
  EXPECT_GE(p.Served(End(kK0) + 10), 100);
  // A later bucket that arrived but has not settled is neither fed nor observed.
  p.Put(kK0 + 1, 500);
  p.Advance(End(kK0 + 1) + 5);
  EXPECT_EQ(p.Observed(End(kK0 + 1) + 5)->value, 100);
  EXPECT_EQ(p.decision_time(), End(kK0) + 10);
}

TEST(SeriesPipelineTest, ServesAtLeastTheSettledObservation) {
  SeriesPipeline p(Settings(TestPolicy()), StableLabelHash({{"venue", "x"}}));
  for (int64_t k = kK0; k < kK0 + 300; ++k) {
    p.Put(k, Demand(k));
    p.Advance(End(k) + 10);
    const double served = p.Served(End(k) + 10);
    ASSERT_TRUE(std::isfinite(served));
    ASSERT_GE(served, Demand(k)) << k - kK0;
  }
  EXPECT_GT(p.fits(), 3u);  // the cold-start chain refits as history doubles
}

TEST(SeriesPipelineTest, StartedLateItServesWhatAPipelineRunningAllAlongServes) {
  const auto settings = Settings(TestPolicy());
  const uint64_t hash = StableLabelHash({{"venue", "x"}});
  SeriesPipeline early(settings, hash);
  const int64_t now_k = kK0 + 9 * 60;  // nine hours in
  for (int64_t k = kK0; k <= now_k; ++k) {
    early.Put(k, Demand(k));
    early.Advance(End(k) + 10);
  }
  SeriesPipeline late(settings, hash);
  for (int64_t k = now_k - settings->window_steps() + 1; k <= now_k; ++k) late.Put(k, Demand(k));
  late.Advance(End(now_k) + 10);
  EXPECT_EQ(early.Served(End(now_k) + 10), late.Served(End(now_k) + 10));
  for (int64_t k = now_k + 1; k <= now_k + 180; ++k) {
    for (SeriesPipeline* p : {&early, &late}) {
      p->Put(k, Demand(k));
      p->Advance(End(k) + 10);
    }
    ASSERT_EQ(early.Served(End(k) + 10), late.Served(End(k) + 10)) << k - now_k;
  }
  EXPECT_GT(early.fits(), late.fits());
}

// Forecasts a wave that rises for 10 steps after the last seen bucket and then falls.
class WaveModel : public forecasting::Model {
 public:
  std::string name() const override { return "wave"; }
  void Fit(double, std::span<const double>) override {}
  void Update(double) override {}
  std::vector<forecasting::ForecastPoint> Forecast(int h, double) const override {
    std::vector<forecasting::ForecastPoint> path;
    for (int k = 1; k <= h; ++k) {
      const double v = 300 + 100 * std::sin(2 * M_PI * k / 40.0);
      path.push_back({v, v + 10});
    }
    return path;
  }
  std::unique_ptr<Model> Clone() const override { return std::make_unique<WaveModel>(*this); }
};

TEST(SeriesPipelineTest, WhenDataStopsTheServedForecastFollowsTheModelAndNeverFalls) {
  auto made =
      PipelineSettings::Create(TestPolicy(), kStep, [] { return std::make_unique<WaveModel>(); });
  SeriesPipeline p(std::get<std::shared_ptr<const PipelineSettings>>(made), StableLabelHash({}));
  int64_t k = kK0;
  for (; k < kK0 + 30; ++k) {
    p.Put(k, 200);
    p.Advance(End(k) + 10);
  }
  const double decided = p.Served(End(k - 1) + 10);
  double previous = decided;
  double highest = decided;
  for (double t = End(k) + 10; t < End(k) + 3600; t += 15) {
    p.Advance(t);
    const double served = p.Served(t);
    ASSERT_GE(served, previous) << t - End(k);  // never lowered for lack of data, though the
    previous = served;                          // model's forecast falls after its peak
    highest = std::max(highest, served);
  }
  EXPECT_EQ(highest, 410);  // the peak of the model's q-forecast
}

}  // namespace
}  // namespace prescale::policies
