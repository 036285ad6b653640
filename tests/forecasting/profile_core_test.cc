#include "forecasting/profile_core.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "forecasting/calibrated_model.h"
#include "forecasting/ets.h"
#include "forecasting/quantiles.h"

namespace prescale::forecasting {
namespace {

constexpr double kDay = 86400;

ProfileOptions Options(double step, std::vector<EventSpec> events = {}) {
  ProfileOptions o;
  o.step_seconds = step;
  o.periods_seconds = {kDay, 7 * kDay};
  for (const EventSpec& e : events) {
    CalendarError error;
    o.events.push_back(*ScheduledEvent::Create(e, &error));
  }
  return o;
}

// Demand with a daily cycle (peak 300 at 15:00 UTC, trough 100) and weekday/weekend levels.
double Demand(double t) {
  const double hour = std::fmod(t, kDay) / 3600;
  const int weekday = static_cast<int>(std::floor(t / kDay) + 4) % 7;  // 1970-01-01: Thursday
  const double weekend = (weekday == 0 || weekday == 6) ? 0.6 : 1.0;
  return weekend * (200 + 100 * std::sin((hour - 9) / 24 * 2 * M_PI));
}

std::vector<double> Series(double start, double step, size_t n, double noise_sd, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0, noise_sd);
  std::vector<double> y(n);
  for (size_t i = 0; i < n; ++i) y[i] = std::max(0.0, Demand(start + i * step) + noise(rng));
  return y;
}

double MeanAbsError(PointModel& model, double start, double step, const std::vector<double>& y,
                    size_t train, int h) {
  model.FitParameters(start, std::span<const double>(y.data(), train));
  model.Reset(start);
  for (size_t i = 0; i < train; ++i) model.Observe(y[i]);
  double sum = 0;
  std::vector<double> path(h);
  size_t n = 0;
  for (size_t o = train; o + h <= y.size(); ++o, ++n) {
    model.PointPath(h, path.data());
    sum += std::abs(y[o + h - 1] - path[h - 1]);
    model.Observe(y[o]);
  }
  return sum / n;
}

TEST(ProfileModelTest, ActivatesPeriodsAsHistoryGrows) {
  const double step = 300;
  const std::vector<double> y = Series(0, step, 288 * 30, 5, 1);
  ProfileCore model(Options(step));
  model.FitParameters(0, std::span<const double>(y.data(), 100));
  EXPECT_EQ(model.active_periods(), 0);  // less than a day: level + AR only
  model.FitParameters(0, std::span<const double>(y.data(), 288 * 3));
  EXPECT_EQ(model.active_periods(), 1);  // daily
  model.FitParameters(0, std::span<const double>(y.data(), 288 * 15));
  EXPECT_EQ(model.active_periods(), 2);  // daily and weekly
}

TEST(ProfileModelTest, ForecastsTheDailyAndWeeklyShapeHoursAhead) {
  const double step = 60;
  const std::vector<double> y = Series(0, step, 1440 * 28, 10, 2);
  ProfileCore profile(Options(step));
  EtsCore ses(false, 0);
  const size_t train = 1440 * 21;
  const int h = 180;  // three hours ahead
  const double profile_mae = MeanAbsError(profile, 0, step, y, train, h);
  const double ses_mae = MeanAbsError(ses, 0, step, y, train, h);
  EXPECT_LT(profile_mae, 0.3 * ses_mae) << profile_mae << " vs SES " << ses_mae;
  EXPECT_LT(profile_mae, 15);  // noise sd 10: MAE 8 is the floor
}

TEST(ProfileModelTest, LearnsAScheduledSpikeFromThePast) {
  // Flat demand of 10 per 15 s bucket, plus a burst of +500 during the
  // two minutes after 14:00 Europe/Berlin on weekdays.
  const double step = 15;
  const EventSpec event{"auction", "0 14 * * 1-5", "Europe/Berlin"};
  CalendarError error;
  const ScheduledEvent schedule = *ScheduledEvent::Create(event, &error);
  const double start = 1700000000;  // 2023-11-14 22:13:20 UTC, a Tuesday
  const size_t n = 5760 * 10;
  std::vector<double> occurrences;
  schedule.OccurrencesBetween(start, start + n * step, &occurrences);
  ASSERT_GE(occurrences.size(), 7u);
  std::vector<double> y(n, 10.0);
  for (double o : occurrences) {
    for (int k = 0; k < 8; ++k) y[static_cast<size_t>((o - start) / step) + k] += 500;
  }
  const size_t train = static_cast<size_t>((occurrences[6] - start) / step) - 40;  // 10 min before
  ProfileCore model(Options(step, {event}));
  model.FitParameters(start, std::span<const double>(y.data(), train));
  EXPECT_EQ(model.active_events(), 1);
  model.Reset(start);
  for (size_t i = 0; i < train; ++i) model.Observe(y[i]);
  std::vector<double> path(60);
  model.PointPath(60, path.data());
  // Steps 41..48 are the burst (buckets train + 40 .. train + 47).
  EXPECT_GT(path[40], 300) << "expected the burst at the auction";
  EXPECT_LT(path[30], 60) << "no burst before it";
  EXPECT_LT(path[55], 60) << "no burst after it";
}

// A flat level of 100 per minute and a one-minute spike at 12:00 UTC whose size varies from day
// to day (1000, 1400, 600: standard deviation 400). With three occurrences seen, the spread at
// the spike is the Student-t predictive half-width t(q, 2) * 400 * sqrt(1 + 1/3).
TEST(ProfileModelTest, EventSpreadIsTheSmallSamplePredictiveInterval) {
  const double step = 60;
  const EventSpec event{"noon", "0 12 * * *", "UTC"};
  const std::vector<double> sizes = {1000, 1400, 600};
  std::vector<double> y(1440 * 3 + 719, 100.0);  // three days, then up to 11:59 of the fourth
  for (size_t d = 0; d < sizes.size(); ++d) y[d * 1440 + 720] += sizes[d];
  ProfileCore model(Options(step, {event}));
  model.FitParameters(0, y);
  ASSERT_EQ(model.active_events(), 1);
  model.Reset(0);
  for (double v : y) model.Observe(v);
  // The next bucket (k = 1) starts at 11:59, the spike bucket is k = 2.
  const double expected = StudentQuantile(0.9, 2) * 400 * std::sqrt(4.0 / 3);
  EXPECT_NEAR(expected, 871, 1);
  EXPECT_NEAR(model.EventSpread(2, 0.9), expected, 1e-6);
  EXPECT_GT(model.EventSpread(2, 0.99), model.EventSpread(2, 0.9));
  EXPECT_EQ(model.EventSpread(2, 0.5), 0);           // only upper quantiles
  EXPECT_NEAR(model.EventSpread(1, 0.9), 0, 1e-3);   // same value every day before the spike
  EXPECT_NEAR(model.EventSpread(60, 0.9), 0, 1e-3);  // 12:58: in the window, no variation
  EXPECT_EQ(model.EventSpread(120, 0.9), 0);         // 13:58: outside the event's window

  // With a single occurrence there is no spread to measure.
  ProfileCore once(Options(step, {event}));
  const std::vector<double> first_day(y.begin(), y.begin() + 1440 + 719);
  once.FitParameters(0, first_day);
  once.Reset(0);
  for (double v : first_day) once.Observe(v);
  EXPECT_EQ(once.EventSpread(2, 0.9), 0);
}

TEST(ProfileModelTest, FineStepsKeepACoarseProfile) {
  // A 1 s step with a daily season: 288 bins, not 86,400, and forecasts stay sane.
  const double step = 1;
  const std::vector<double> y = Series(0, step, 86400 + 7200, 3, 4);
  ProfileCore model(Options(step));
  model.FitParameters(0, y);
  EXPECT_EQ(model.active_periods(), 1);
  model.Reset(0);
  for (double v : y) model.Observe(v);
  std::vector<double> path(3600);
  model.PointPath(3600, path.data());
  const double t_end = y.size() * step;
  EXPECT_NEAR(path[3599], Demand(t_end + 3599), 25);
  for (int k : {1, 2, 60, 3600}) EXPECT_NEAR(model.PointAt(k), path[k - 1], 1e-9) << k;
}

}  // namespace
}  // namespace prescale::forecasting
