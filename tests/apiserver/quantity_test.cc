#include "apiserver/quantity.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace prescale::apiserver {
namespace {

TEST(QuantityTest, CanonicalExamplesFromKubernetes) {
  EXPECT_EQ(FormatQuantity(0), "0");
  EXPECT_EQ(FormatQuantity(-0.0), "0");
  EXPECT_EQ(FormatQuantity(1), "1");
  EXPECT_EQ(FormatQuantity(1.5), "1500m");
  EXPECT_EQ(FormatQuantity(0.001), "1m");
  EXPECT_EQ(FormatQuantity(0.0001), "1m");  // rounded up to the next milli-unit
  EXPECT_EQ(FormatQuantity(2000), "2k");
  EXPECT_EQ(FormatQuantity(1500), "1500");
  EXPECT_EQ(FormatQuantity(1e12), "1T");
  EXPECT_EQ(FormatQuantity(1e6), "1M");
  EXPECT_EQ(FormatQuantity(1e9), "1G");
  EXPECT_EQ(FormatQuantity(1e15), "1P");
  EXPECT_EQ(FormatQuantity(0.1), "100m");
  EXPECT_EQ(FormatQuantity(123456.789), "123456789m");
  EXPECT_EQ(FormatQuantity(25000000), "25M");
}

TEST(QuantityTest, ShortestDecimalIsRoundedNotItsBinaryExpansion) {
  // 1.1 is stored as 1.100000000000000088817841970012523...: a naive ceil(x*1000) gives 1101m.
  EXPECT_EQ(FormatQuantity(1.1), "1100m");
  EXPECT_EQ(FormatQuantity(0.3), "300m");
  EXPECT_EQ(FormatQuantity(2.675), "2675m");
  EXPECT_EQ(FormatQuantity(1.0005), "1001m");  // a real fourth decimal still rounds up
  EXPECT_EQ(FormatQuantity(1e-300), "1m");
}

TEST(QuantityTest, NegativeValuesRoundTowardPositiveInfinity) {
  EXPECT_EQ(FormatQuantity(-1.5), "-1500m");
  EXPECT_EQ(FormatQuantity(-0.0001), "0");
  EXPECT_EQ(FormatQuantity(-2000), "-2k");
  EXPECT_EQ(FormatQuantity(-1.0005), "-1");  // -1000.5m rounds up to -1000m, canonically "-1"
}

TEST(QuantityTest, NearTheInt64MilliLimit) {
  // 2^63 / 1000 = 9223372036854775.808: the largest milli-value is 2^63 - 1.
  // Doubles this large are even integers: 9223372036854774 is the largest below the limit.
  EXPECT_EQ(FormatQuantity(9223372036854774.0), "9223372036854774");
  EXPECT_EQ(MilliValue(9223372036854774.0), 9223372036854774000LL);
  EXPECT_EQ(FormatQuantity(9223372036854776.0),
            "9223372036854775807m");  // 1000x overflows: clamped
  EXPECT_EQ(FormatQuantity(9.3e15), "9223372036854775807m");
  EXPECT_EQ(FormatQuantity(1e300), "9223372036854775807m");
  EXPECT_EQ(FormatQuantity(-1e300), "-9223372036854775807m");
  EXPECT_EQ(MilliValue(1e300), std::numeric_limits<int64_t>::max());
}

TEST(QuantityTest, NonFiniteValuesAreNeverEncoded) {
  EXPECT_FALSE(FormatQuantity(std::nan("")));
  EXPECT_FALSE(FormatQuantity(std::numeric_limits<double>::infinity()));
  EXPECT_FALSE(FormatQuantity(-std::numeric_limits<double>::infinity()));
  EXPECT_FALSE(MilliValue(std::nan("")));
}

TEST(QuantityTest, MilliValueIsWhatTheHpaReads) {
  EXPECT_EQ(MilliValue(1.5), 1500);
  EXPECT_EQ(MilliValue(0.0001), 1);
  EXPECT_EQ(MilliValue(1.1), 1100);
  EXPECT_EQ(MilliValue(0), 0);
}

}  // namespace
}  // namespace prescale::apiserver
