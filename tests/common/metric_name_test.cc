#include "common/metric_name.h"

#include <gtest/gtest.h>

namespace prescale {
namespace {

TEST(MetricNameTest, TheGrammarOfTheFormerRegex) {
  for (const char* ok : {"a", "_", "order_flow_rate", "Flow:rate_5m", "A9", "__x__"})
    EXPECT_EQ(ValidateMetricName(ok), "") << ok;
  for (const char* bad :
       {"", "9flow", ":flow", "flow-rate", "flow rate", "flow.rate", "flöw", "flow/x", "flow\n"})
    EXPECT_EQ(ValidateMetricName(bad), "must match [a-zA-Z_][a-zA-Z0-9_:]*") << bad;
  EXPECT_EQ(ValidateMetricName(std::string_view("a\0b", 3)), "must match [a-zA-Z_][a-zA-Z0-9_:]*");
}

TEST(MetricNameTest, LengthIsBoundedAndLongNamesAreCheap) {
  EXPECT_EQ(ValidateMetricName(std::string(253, 'a')), "");
  EXPECT_EQ(ValidateMetricName(std::string(254, 'a')), "is 254 characters long, at most 253");
  // The review's 1 MB name (a regex would recurse per character): refused, not a crash.
  EXPECT_EQ(ValidateMetricName(std::string(1 << 20, 'a')),
            "is 1048576 characters long, at most 253");
}

}  // namespace
}  // namespace prescale
