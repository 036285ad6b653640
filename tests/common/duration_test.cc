#include "common/duration.h"

#include <gtest/gtest.h>

namespace prescale {
namespace {

using std::chrono::milliseconds;

TEST(DurationTest, ParsesPrometheusAndKubernetesSpellings) {
  EXPECT_EQ(ParseDuration("500ms"), milliseconds(500));
  EXPECT_EQ(ParseDuration("15s"), milliseconds(15000));
  EXPECT_EQ(ParseDuration("5m"), milliseconds(300000));
  EXPECT_EQ(ParseDuration("2h"), milliseconds(7200000));
  EXPECT_EQ(ParseDuration("1d"), milliseconds(86400000));
  EXPECT_EQ(ParseDuration("1w"), milliseconds(604800000));
  EXPECT_EQ(ParseDuration("1h30m"), milliseconds(5400000));
  EXPECT_EQ(ParseDuration("0"), milliseconds(0));
  EXPECT_EQ(ParseDuration("0s"), milliseconds(0));
}

TEST(DurationTest, RejectsMalformedWithReason) {
  std::string error;
  EXPECT_FALSE(ParseDuration("", &error));
  EXPECT_FALSE(ParseDuration("15", &error));
  EXPECT_NE(error.find("unit"), std::string::npos);
  EXPECT_FALSE(ParseDuration("-5s", &error));
  EXPECT_FALSE(ParseDuration("5x", &error));
  EXPECT_FALSE(ParseDuration("30m1h", &error));
  EXPECT_NE(error.find("largest to smallest"), std::string::npos);
  EXPECT_FALSE(ParseDuration("1.5s", &error));
  EXPECT_FALSE(ParseDuration("99999999999999999y", &error));
}

TEST(DurationTest, FormatsShortestSpelling) {
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0s");
  EXPECT_EQ(FormatDuration(milliseconds(90000)), "1m30s");
  EXPECT_EQ(FormatDuration(milliseconds(500)), "500ms");
  EXPECT_EQ(FormatDuration(milliseconds(86400000 * 8LL)), "1w1d");
}

}  // namespace
}  // namespace prescale
