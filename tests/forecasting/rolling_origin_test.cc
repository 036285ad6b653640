#include "forecasting/rolling_origin.h"

#include <gtest/gtest.h>

namespace prescale::forecasting {
namespace {

// A clock that advances one second per read: timing is measured, not asserted.
class FakeStopwatch final : public Stopwatch {
 public:
  double WallSeconds() const override { return ++reads_; }
  double CpuSeconds() const override { return 0; }

 private:
  mutable double reads_ = 0;
};

std::unique_ptr<Model> Naive(double step) {
  ModelSpec spec;
  spec.model = "naive";
  spec.step_seconds = step;
  spec.seasonality_seconds = {};
  return std::move(std::get<std::unique_ptr<Model>>(MakeModel(spec)));
}

// Flat at 69 for the 70 training buckets, then y[i] = i: the naive forecast of bucket o + h - 1
// from origin o is y[o - 1] = o - 1, an error of h exactly, the same as the naive baseline's;
// an off-by-one in the origins, the target or the updates would show.
TEST(RollingOriginTest, ForecastsBucketOPlusHMinusOneFromTheBucketsBeforeO) {
  Trace trace{1700000000, 60, {}};
  for (int i = 0; i < 100; ++i) trace.values.push_back(i < 70 ? 69 : i);
  for (int h : {1, 3}) {
    auto model = Naive(60);
    const RollingOriginResult r = EvaluateRollingOrigin(*model, trace, 70, h, 0.5, FakeStopwatch());
    EXPECT_EQ(r.report.points, 30 - (h - 1)) << h;
    EXPECT_DOUBLE_EQ(r.report.mae, h) << h;
    EXPECT_DOUBLE_EQ(*r.report.rel_naive, 1) << h;
    EXPECT_FALSE(r.report.mase) << h;  // the training part never changes
    EXPECT_EQ(r.model_name, "naive");
    EXPECT_GT(r.fit_seconds, 0);
  }
}

}  // namespace
}  // namespace prescale::forecasting
