#include "policies/served_forecast.h"

#include <gtest/gtest.h>

namespace prescale::policies {
namespace {

using std::chrono::seconds;

constexpr double kOpen = 1381152600;  // 2013-10-07 09:30 America/New_York

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
  // Last seen bucket starts at t0; at t0+60 the window [t0+60, t0+120] is steps 1-2 (not 3).
  const double t0 = kOpen - 7200;
  EXPECT_DOUBLE_EQ(served->Decide(t0 + 60, t0, 60, 5, Path({10, 20, 99})), 20);
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
