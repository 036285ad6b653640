#include "policies/decision.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace prescale::policies {
namespace {

using std::chrono::seconds;

double Decide(Decider& d, double now, double observed, std::vector<double> path,
              bool event = false) {
  return d.Decide({now, observed, path, {}, event});
}

TEST(DecisionTest, ServesTheMaximumOfTheQuantilePathNeverBelowObserved) {
  Decider d(seconds(0));
  EXPECT_DOUBLE_EQ(Decide(d, 0, 10, {12, 30, 20}), 30);
  EXPECT_DOUBLE_EQ(Decide(d, 15, 50, {12, 30, 20}), 50);
}

TEST(DecisionTest, NotLoweredUntilLowerForTheHold) {
  Decider d(seconds(300));
  EXPECT_DOUBLE_EQ(Decide(d, 0, 10, {100}), 100);
  // Candidates drop to 20 from t=15 on: 100 is served until it is 300 s old.
  for (int t = 15; t < 300; t += 15) EXPECT_DOUBLE_EQ(Decide(d, t, 10, {20}), 100) << t;
  EXPECT_DOUBLE_EQ(Decide(d, 300, 10, {20}), 20);
  // Raising is immediate.
  EXPECT_DOUBLE_EQ(Decide(d, 315, 10, {60}), 60);
}

TEST(DecisionTest, HoldsTheExpectedLevelNotTheQuantilesMargin) {
  Decider d(seconds(300));
  const std::vector<double> q = {100}, median = {60};
  EXPECT_DOUBLE_EQ(d.Decide({0, 10, q, median, false}), 100);  // now: the q-forecast
  // The forecast falls: the expected level of t = 0 (60) is held, not its margin (100).
  const std::vector<double> q_low = {30}, median_low = {20};
  for (int t = 15; t < 300; t += 15)
    EXPECT_DOUBLE_EQ(d.Decide({static_cast<double>(t), 10, q_low, median_low, false}), 60) << t;
  EXPECT_DOUBLE_EQ(d.Decide({300, 10, q_low, median_low, false}), 30);  // the hold is over
  // The observed value is held as an expected level too.
  EXPECT_DOUBLE_EQ(d.Decide({315, 90, q_low, median_low, false}), 90);
  EXPECT_DOUBLE_EQ(d.Decide({330, 10, q_low, median_low, false}), 90);
}

TEST(DecisionTest, LowersToTheHighestCandidateOfTheHold) {
  Decider d(seconds(60));
  Decide(d, 0, 0, {100});
  Decide(d, 30, 0, {70});
  Decide(d, 45, 0, {40});
  EXPECT_DOUBLE_EQ(Decide(d, 60, 0, {10}), 70);  // 100 expired, 70 still within the hold
  EXPECT_DOUBLE_EQ(Decide(d, 90, 0, {10}), 40);
  EXPECT_DOUBLE_EQ(Decide(d, 105, 0, {10}), 10);
}

TEST(DecisionTest, NeverLoweredWithinLeadBeforeAnEvent) {
  Decider d(seconds(30));
  EXPECT_DOUBLE_EQ(Decide(d, 0, 0, {100}), 100);
  EXPECT_DOUBLE_EQ(Decide(d, 60, 0, {10}, /*event=*/true), 100);  // hold expired, event ahead
  EXPECT_DOUBLE_EQ(Decide(d, 75, 0, {10}, /*event=*/true), 100);
  EXPECT_DOUBLE_EQ(Decide(d, 90, 0, {10}, /*event=*/false), 10);
}

TEST(DecisionTest, IgnoresNonFiniteAndNegativeInputs) {
  Decider d(seconds(0));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_DOUBLE_EQ(Decide(d, 0, nan, {inf, -5, 7}), 7);
  EXPECT_DOUBLE_EQ(Decide(d, 1, -1, {}), 0);
}

TEST(DecisionTest, ForecastStepsCoverNowToNowPlusLead) {
  // Last seen bucket [0, 60); at now=60 the window [60, 120] is steps 1 and 2.
  EXPECT_EQ(ForecastSteps(60, 0, 60, 60), (std::pair<int, int>{1, 2}));
  // At now=75 (inside step 1), with lead 60: [75, 135] is steps 1 and 2.
  EXPECT_EQ(ForecastSteps(75, 0, 60, 60), (std::pair<int, int>{1, 2}));
  // 15 s buckets, lead 60 s: [60, 120] over buckets starting 60..120 -> steps 4..8.
  EXPECT_EQ(ForecastSteps(60, 0, 15, 60), (std::pair<int, int>{4, 8}));
  // Lead 0 still gives one step.
  EXPECT_EQ(ForecastSteps(60, 0, 60, 0), (std::pair<int, int>{1, 1}));
}

}  // namespace
}  // namespace prescale::policies
