#include "policies/served_forecast.h"

#include <gtest/gtest.h>

namespace prescale::policies {
namespace {

using std::chrono::seconds;

constexpr double kOpen = 1381152600;  // 2013-10-07 09:30 America/New_York

// Each point's median is half its q-forecast.
std::vector<forecasting::ForecastPoint> Path(std::vector<double> q) {
  std::vector<forecasting::ForecastPoint> out;
  for (double v : q) out.push_back({v / 2, v});
  return out;
}

Policy OpenPolicy() {
  Policy p;
  p.lead = seconds(60);
  p.scale_down_hold = seconds(0);
  p.events = {{"open", "30 9 * * 1-5", "America/New_York"}};
  return p;
}

TEST(ServedForecastTest, UsesTheStepsCoveringTheLeadWindow) {
  std::string error;
  auto served = ServedForecast::Create(OpenPolicy(), &error);
  ASSERT_TRUE(served) << error;
  EXPECT_EQ(served->HorizonSteps(60), 3);
  EXPECT_EQ(served->HorizonSteps(15), 6);
  // Last seen bucket starts at t0; at t0+60 the window [t0+60, t0+120] is steps 1-2 (not 3):
  // the q-forecast of step 1 (in progress), the median of step 2 (it starts at t0+120).
  const double t0 = kOpen - 7200;
  EXPECT_DOUBLE_EQ(served->Decide(t0 + 60, t0, 60, 5, Path({10, 30, 99})), 15);
  EXPECT_DOUBLE_EQ(served->Decide(t0 + 75, t0, 60, 5, Path({40, 30, 99})), 40);
}

TEST(ServedForecastTest, QuantileOfTheBucketInProgressMediansOfLaterOnes) {
  Policy p = OpenPolicy();
  p.events.clear();
  std::string error;
  auto served = ServedForecast::Create(p, &error);
  ASSERT_TRUE(served) << error;
  // 5-minute buckets, last seen [0, 300): at 540 the window [540, 600] is step 1 ([300, 600),
  // in progress) and step 2 ([600, 900), not started): q 40 and median 100 / 2.
  EXPECT_DOUBLE_EQ(served->Decide(540, 0, 300, 5, Path({40, 100})), 50);
  // At 600 without the next bucket seen yet (late data), step 2 is in progress: its q counts.
  EXPECT_DOUBLE_EQ(served->Decide(600, 0, 300, 5, Path({40, 100})), 100);
}

TEST(ServedForecastTest, WholeWindowQuantileBeforeAnEvent) {
  std::string error;
  auto served = ServedForecast::Create(OpenPolicy(), &error);
  ASSERT_TRUE(served) << error;
  // At 09:29:00 (last seen 09:28) the 09:30 bucket is step 2 and starts in 60 s: the open is
  // within the lead, so its q-forecast counts although it has not started.
  EXPECT_DOUBLE_EQ(served->Decide(kOpen - 60, kOpen - 120, 60, 5, Path({50, 2000})), 2000);
  // An hour earlier the same path gives the median of step 2.
  auto earlier = ServedForecast::Create(OpenPolicy(), &error);
  ASSERT_TRUE(earlier) << error;
  EXPECT_DOUBLE_EQ(earlier->Decide(kOpen - 3660, kOpen - 3720, 60, 5, Path({50, 2000})), 1000);
}

TEST(ServedForecastTest, NoLoweringWithinLeadBeforeAnEvent) {
  std::string error;
  auto served = ServedForecast::Create(OpenPolicy(), &error);
  ASSERT_TRUE(served) << error;
  // Hold 0, so the value would drop at once, except in the minute before the open.
  EXPECT_DOUBLE_EQ(served->Decide(kOpen - 200, kOpen - 260, 60, 0, Path({100, 100})), 100);
  EXPECT_DOUBLE_EQ(served->Decide(kOpen - 120, kOpen - 180, 60, 0, Path({10, 10})), 10);
  EXPECT_DOUBLE_EQ(served->Decide(kOpen - 90, kOpen - 120, 60, 0, Path({80, 80})), 80);
  EXPECT_DOUBLE_EQ(served->Decide(kOpen - 45, kOpen - 60, 60, 0, Path({10, 10})), 80);  // held
  EXPECT_DOUBLE_EQ(served->Decide(kOpen + 15, kOpen, 60, 0, Path({10, 10})), 10);
}

TEST(ServedForecastTest, BadCalendarIsAnError) {
  Policy p = OpenPolicy();
  p.events[0].timezone = "Atlantis/Capital";
  std::string error;
  EXPECT_FALSE(ServedForecast::Create(p, &error));
  EXPECT_NE(error.find("Atlantis/Capital"), std::string::npos);
}

}  // namespace
}  // namespace prescale::policies
