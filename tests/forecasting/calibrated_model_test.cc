#include "forecasting/calibrated_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "forecasting/ets.h"

namespace prescale::forecasting {
namespace {

// Noise-free daily spikes of 1000, 1400 and 600 at 12:00 on a flat 100: the pooled hourly
// errors say little about the fourth spike, the three occurrences do. The q-forecast there is
// at least the median plus the core's event spread (t(0.9, 2) * 400 * sqrt(4/3) = 871).
TEST(CalibratedModelTest, EventWindowsKeepTheSmallSampleSpread) {
  ModelSpec spec;
  spec.model = "profile";
  spec.step_seconds = 60;
  spec.seasonality_seconds = {86400};
  spec.events = {{"noon", "0 12 * * *", "UTC"}};
  auto made = MakeModel(spec);
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Model>>(made));
  Model& model = *std::get<std::unique_ptr<Model>>(made);
  std::vector<double> y(1440 * 3 + 719, 100.0);
  const std::vector<double> sizes = {1000, 1400, 600};
  for (size_t d = 0; d < sizes.size(); ++d) y[d * 1440 + 720] += sizes[d];
  model.Fit(0, y);
  const auto path = model.Forecast(2, 0.9);
  EXPECT_GE(path[1].quantile, path[1].mean + 870);  // the spike bucket
  EXPECT_LT(path[0].quantile, path[0].mean + 100);  // the quiet minute before it
  // Lower quantiles are the calibrated ones alone.
  const auto low = model.Forecast(2, 0.3);
  EXPECT_LE(low[1].quantile, low[1].mean);
}

TEST(CalibratedModelTest, ErrorScaleIsAMeanAbsoluteErrorPerHour) {
  ErrorScale scale(60);
  for (int i = 0; i < 24 * 60 * 2; ++i) {
    const double t = i * 60.0;
    const bool day = std::fmod(t, 86400) >= 8 * 3600;
    scale.Observe(t, day ? 10.0 : 1.0, 100);
  }
  EXPECT_NEAR(scale.At(2 * 86400 + 3 * 3600), 1.0, 1e-9);    // 03:00
  EXPECT_NEAR(scale.At(2 * 86400 + 12 * 3600), 10.0, 1e-9);  // 12:00
}

// Noise around a constant level: the q-forecasts of a calibrated SES cover about q of the
// future values, at one step and at the calibrated lead.
TEST(CalibratedModelTest, QuantilesAreCalibratedOnStationaryNoise) {
  std::mt19937_64 rng(42);
  std::normal_distribution<double> noise(0, 10);
  std::vector<double> y(12000);
  for (double& v : y) v = std::max(0.0, 100 + noise(rng));
  CalibratedModel model(std::make_unique<EtsCore>(false, 0), 60, /*lead_steps=*/5);
  model.Fit(0, std::span<const double>(y.data(), 6000));
  for (double q : {0.5, 0.9}) {
    CalibratedModel copy(model);
    int covered_1 = 0, covered_5 = 0, n = 0;
    for (size_t o = 6000; o + 5 < y.size(); ++o, ++n) {
      const auto f = copy.Forecast(5, q);
      covered_1 += y[o] <= f[0].quantile;
      covered_5 += y[o + 4] <= f[4].quantile;
      copy.Update(y[o]);
    }
    EXPECT_NEAR(static_cast<double>(covered_1) / n, q, 0.03) << q;
    EXPECT_NEAR(static_cast<double>(covered_5) / n, q, 0.03) << q;
  }
}

TEST(CalibratedModelTest, IntervalsWidenWithTheHorizonOfARandomWalk) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> step(0, 1);
  std::vector<double> y(5000);
  double level = 1000;
  for (double& v : y) v = level += step(rng);
  CalibratedModel model(std::make_unique<EtsCore>(false, 0), 60, /*lead_steps=*/20);
  model.Fit(0, y);
  const auto f = model.Forecast(40, 0.95);
  const double width_1 = f[0].quantile - f[0].mean;
  const double width_20 = f[19].quantile - f[19].mean;
  const double width_40 = f[39].quantile - f[39].mean;
  EXPECT_GT(width_1, 0);
  EXPECT_GT(width_20, 2.5 * width_1);  // sqrt(20) = 4.5 in theory
  EXPECT_GT(width_40, width_20);       // beyond the lead: grows like sqrt(k)
}

TEST(CalibratedModelTest, QuantilesFollowTheTimeOfDay) {
  // Quiet nights, noisy days: the 0.9 quantile band is wider at noon than at 03:00.
  std::mt19937_64 rng(3);
  std::normal_distribution<double> noise(0, 1);
  std::vector<double> y(60 * 24 * 6);
  for (size_t i = 0; i < y.size(); ++i) {
    const double hour = std::fmod(i / 60.0, 24);
    y[i] = 100 + noise(rng) * (hour >= 8 && hour < 20 ? 20 : 1);
  }
  const size_t n = y.size() - 60 * 22;  // the history ends at 02:00
  CalibratedModel model(std::make_unique<EtsCore>(false, 0), 60, 1);
  model.Fit(0, std::span<const double>(y.data(), n));
  const auto f = model.Forecast(11 * 60, 0.9);
  // Beyond the lead the band grows like sqrt(k): compare per sqrt(k).
  const double night = (f[60].quantile - f[60].mean) / std::sqrt(61.0);    // 03:00
  const double noon = (f[600].quantile - f[600].mean) / std::sqrt(601.0);  // 12:00
  EXPECT_GT(noon, 5 * night);
}

}  // namespace
}  // namespace prescale::forecasting
