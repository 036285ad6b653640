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

TEST(NamesTest, LabelNames) {
  EXPECT_TRUE(IsLabelName("namespace"));
  EXPECT_TRUE(IsLabelName("_k8s_ns1"));
  EXPECT_FALSE(IsLabelName("1ns"));
  EXPECT_FALSE(IsLabelName("kube-namespace"));
  EXPECT_FALSE(IsLabelName("a:b"));
  EXPECT_FALSE(IsLabelName(""));
}

}  // namespace
}  // namespace prescale
