#include "forecasting/optimizer.h"

#include <gtest/gtest.h>

#include <cmath>

namespace prescale::forecasting {
namespace {

TEST(OptimizerTest, NelderMeadFindsAnInteriorMinimum) {
  auto f = [](const std::vector<double>& x) {
    return std::pow(x[0] - 0.3, 2) + 10 * std::pow(x[1] - 0.7, 2) + 1;
  };
  const OptimizeResult r = MinimizeNelderMead(f, {0.5, 0.5}, {{0, 1}, {0, 1}}, 400, 1e-12);
  EXPECT_NEAR(r.x[0], 0.3, 1e-3);
  EXPECT_NEAR(r.x[1], 0.7, 1e-3);
  EXPECT_NEAR(r.value, 1.0, 1e-6);
  EXPECT_LE(r.evaluations, 400);
}

TEST(OptimizerTest, NelderMeadStaysInsideTheBox) {
  // The unconstrained minimum (x = 5) lies outside the box; the answer approaches the bound.
  auto f = [](const std::vector<double>& x) { return std::pow(x[0] - 5, 2); };
  const OptimizeResult r = MinimizeNelderMead(f, {0.5}, {{0, 1}}, 200);
  EXPECT_GT(r.x[0], 0.99);
  EXPECT_LE(r.x[0], 1.0);
}

TEST(OptimizerTest, NonFiniteValuesAreAvoided) {
  auto f = [](const std::vector<double>& x) {
    return x[0] < 0.5 ? NAN : (x[0] - 0.8) * (x[0] - 0.8);
  };
  const OptimizeResult r = MinimizeNelderMead(f, {0.9}, {{0, 1}}, 200);
  EXPECT_NEAR(r.x[0], 0.8, 1e-3);
}

TEST(OptimizerTest, GoldenSection) {
  const OptimizeResult r = MinimizeGolden([](double a) { return std::abs(a - 0.25); }, 0, 1, 60);
  EXPECT_NEAR(r.x[0], 0.25, 1e-6);
}

}  // namespace
}  // namespace prescale::forecasting
