#include "forecasting/accuracy.h"

#include <gtest/gtest.h>

#include <vector>

namespace prescale::forecasting {
namespace {

TEST(AccuracyTest, ClosedFormValues) {
  AccuracyAccumulator acc(0.9);
  // actual, mean, q-forecast, naive, seasonal naive
  acc.Add(10, 8, 12, 9, 11);  // |e|=2, naive 1, seasonal 1, covered, pinball 0.1*2
  acc.Add(4, 6, 5, 0, 4);     // |e|=2, naive 4, seasonal 0, covered, pinball 0.1*1
  acc.Add(0, 0, 0, 1, 2);     // sMAPE term skipped; covered; pinball 0
  acc.Add(7, 5, 6, 7, 7);     // |e|=2, naive 0, seasonal 0, not covered, pinball 0.9*1
  const AccuracyReport r = acc.Finish(/*scale=*/2.0);
  EXPECT_EQ(r.points, 4);
  EXPECT_DOUBLE_EQ(r.mae, 6.0 / 4);
  EXPECT_DOUBLE_EQ(*r.mase, 0.75);
  EXPECT_DOUBLE_EQ(*r.rel_naive, 6.0 / 6);
  EXPECT_DOUBLE_EQ(*r.rel_seasonal_naive, 6.0 / 3);
  EXPECT_DOUBLE_EQ(*r.smape, 100.0 * (4.0 / 18 + 4.0 / 10 + 4.0 / 12) / 3);
  EXPECT_DOUBLE_EQ(r.coverage, 0.75);
  EXPECT_DOUBLE_EQ(r.pinball, (0.2 + 0.1 + 0 + 0.9) / 4);
}

TEST(AccuracyTest, ZeroDenominatorsAndMissingSeasonsAreNull) {
  AccuracyAccumulator acc(0.5);
  acc.Add(3, 3, 3, 3, std::nullopt);
  const AccuracyReport r = acc.Finish(0.0);
  EXPECT_FALSE(r.mase.has_value());
  EXPECT_FALSE(r.rel_naive.has_value());
  EXPECT_FALSE(r.rel_seasonal_naive.has_value());
  EXPECT_DOUBLE_EQ(*r.smape, 0.0);
  EXPECT_EQ(AccuracyAccumulator(0.9).Finish(1).points, 0);
}

TEST(AccuracyTest, MeanAbsoluteChange) {
  const std::vector<double> v = {1, 4, 2, 2};
  EXPECT_DOUBLE_EQ(MeanAbsoluteChange(v), 5.0 / 3);
  EXPECT_EQ(MeanAbsoluteChange(std::span<const double>(v.data(), 1)), 0);
}

}  // namespace
}  // namespace prescale::forecasting
