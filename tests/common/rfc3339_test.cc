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

}  // namespace
}  // namespace prescale
