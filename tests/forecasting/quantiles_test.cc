#include "forecasting/quantiles.h"

#include <gtest/gtest.h>

namespace prescale::forecasting {
namespace {

TEST(QuantilesTest, NormalQuantileClosedForm) {
  EXPECT_NEAR(NormalQuantile(0.5), 0.0, 1e-9);
  EXPECT_NEAR(NormalQuantile(0.975), 1.959963985, 1e-8);
  EXPECT_NEAR(NormalQuantile(0.1), -1.281551566, 1e-8);
  EXPECT_NEAR(NormalQuantile(0.001), -3.090232306, 1e-8);
}

TEST(QuantilesTest, StudentQuantile) {
  EXPECT_NEAR(StudentQuantile(0.9, 1), 3.077683537, 1e-8);  // Cauchy: tan(0.4 pi)
  EXPECT_NEAR(StudentQuantile(0.9, 2), 1.885618083, 1e-8);
  EXPECT_NEAR(StudentQuantile(0.5, 2), 0.0, 1e-12);
  // Table values (R qt): df 3, 5, 10 at 0.9 and 0.99; within 0.5 %.
  EXPECT_NEAR(StudentQuantile(0.9, 3), 1.637744, 0.005 * 1.637744);
  EXPECT_NEAR(StudentQuantile(0.99, 3), 4.540703, 0.005 * 4.540703);
  EXPECT_NEAR(StudentQuantile(0.9, 5), 1.475884, 0.001 * 1.475884);
  EXPECT_NEAR(StudentQuantile(0.99, 10), 2.763769, 0.001 * 2.763769);
  EXPECT_NEAR(StudentQuantile(0.1, 10), -StudentQuantile(0.9, 10), 1e-12);
  EXPECT_NEAR(StudentQuantile(0.9, 1e6), NormalQuantile(0.9), 1e-5);
}

}  // namespace
}  // namespace prescale::forecasting
