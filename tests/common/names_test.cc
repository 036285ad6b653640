#include "common/names.h"

#include <gtest/gtest.h>

#include <string>

namespace prescale {
namespace {

TEST(NamesTest, Dns1123Labels) {
  EXPECT_TRUE(IsDns1123Label("kube-system"));
  EXPECT_TRUE(IsDns1123Label("a"));
  EXPECT_TRUE(IsDns1123Label(std::string(63, 'a')));
  EXPECT_FALSE(IsDns1123Label(std::string(64, 'a')));
  EXPECT_FALSE(IsDns1123Label("a_b"));
  EXPECT_FALSE(IsDns1123Label("Trading"));
  EXPECT_FALSE(IsDns1123Label("-a"));
  EXPECT_FALSE(IsDns1123Label("a-"));
  EXPECT_FALSE(IsDns1123Label(""));
}

TEST(NamesTest, Dns1123Subdomains) {
  EXPECT_TRUE(IsDns1123Subdomain("order-gateway"));
  EXPECT_TRUE(IsDns1123Subdomain("networking.k8s.io"));
  EXPECT_TRUE(IsDns1123Subdomain("pod-0.a1"));
  EXPECT_TRUE(IsDns1123Subdomain(std::string(253, 'a')));
  EXPECT_FALSE(IsDns1123Subdomain(std::string(254, 'a')));
  EXPECT_FALSE(IsDns1123Subdomain("a..b"));
  EXPECT_FALSE(IsDns1123Subdomain(".a"));
  EXPECT_FALSE(IsDns1123Subdomain("a."));
  EXPECT_FALSE(IsDns1123Subdomain("a.-b"));
  EXPECT_FALSE(IsDns1123Subdomain("Order"));
  EXPECT_FALSE(IsDns1123Subdomain("*"));
  EXPECT_FALSE(IsDns1123Subdomain(""));
}

TEST(NamesTest, LabelNames) {
  EXPECT_TRUE(IsLabelName("namespace"));
  EXPECT_TRUE(IsLabelName("_k8s_ns1"));
  EXPECT_FALSE(IsLabelName("1ns"));
  EXPECT_FALSE(IsLabelName("kube-namespace"));
  EXPECT_FALSE(IsLabelName("a:b"));
  EXPECT_FALSE(IsLabelName(""));
}

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
