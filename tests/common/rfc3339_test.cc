#include "common/rfc3339.h"

#include <gtest/gtest.h>

namespace prescale {
namespace {

TEST(Rfc3339Test, WholeSecondsAsMetav1TimeMarshals) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(1748779200), "2025-06-01T12:00:00Z");
  EXPECT_EQ(FormatRfc3339(1748779200.999), "2025-06-01T12:00:00Z");  // truncated
}

TEST(Rfc3339Test, MillisecondsOnlyWhenTheTimeHasThem) {
  EXPECT_EQ(FormatRfc3339(1748779200, true), "2025-06-01T12:00:00Z");
  EXPECT_EQ(FormatRfc3339(1748779200.25, true), "2025-06-01T12:00:00.250Z");
  EXPECT_EQ(FormatRfc3339(1748779200.0004, true), "2025-06-01T12:00:00Z");
  // Rounds into the next second rather than printing ".1000".
  EXPECT_EQ(FormatRfc3339(1748779200.9996, true), "2025-06-01T12:00:01Z");
  EXPECT_EQ(FormatRfc3339(-0.5, true), "1969-12-31T23:59:59.500Z");
}

TEST(Rfc3339Test, ParsesUtcOffsetsAndFractions) {
  EXPECT_EQ(ParseRfc3339("2025-06-01T12:00:00Z"), 1748779200);
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339("2025-06-01T14:00:00+02:00"), 1748779200);
  EXPECT_EQ(ParseRfc3339("2025-06-01T07:30:00-04:30"), 1748779200);
  EXPECT_EQ(ParseRfc3339("2025-06-01t12:00:00.25z"), 1748779200.25);
  EXPECT_EQ(ParseRfc3339("2024-02-29T00:00:00Z"), 1709164800);  // a leap day
  EXPECT_EQ(ParseRfc3339(FormatRfc3339(1381204680)), 1381204680);
  for (const char* bad :
       {"", "2025-06-01", "2025-06-01T12:00:00", "2025-13-01T00:00:00Z", "2025-06-01T24:00:00Z",
        "2025-06-01T12:00:00.Z", "-14d", "2025-06-01T12:00:00+2:00", "2025-06-01T12:00:00Zjunk"}) {
    EXPECT_FALSE(ParseRfc3339(bad)) << bad;
  }
}

}  // namespace
}  // namespace prescale
