#include "policies/series_history.h"

#include <gtest/gtest.h>

#include <cmath>

namespace prescale::policies {
namespace {

TEST(SeriesHistoryTest, KeepsTheLastCapacityBuckets) {
  SeriesHistory h(4);
  EXPECT_TRUE(h.empty());
  EXPECT_EQ(h.last_present(), INT64_MIN);
  for (int k = 10; k < 16; ++k) h.Put(k, k * 1.5);
  EXPECT_EQ(h.first(), 12);
  EXPECT_EQ(h.last(), 15);
  EXPECT_TRUE(std::isnan(h.At(11)));
  EXPECT_DOUBLE_EQ(h.At(12), 18);
  EXPECT_DOUBLE_EQ(h.At(15), 22.5);
  EXPECT_TRUE(std::isnan(h.At(16)));
  EXPECT_EQ(h.last_present(), 15);
}

TEST(SeriesHistoryTest, GapsReadAsMissingAndLateValuesOverwrite) {
  SeriesHistory h(8);
  h.Put(100, 1);
  h.Put(104, 5);  // 101..103 skipped
  EXPECT_TRUE(std::isnan(h.At(102)));
  h.Put(102, 3);  // a gap filled later
  EXPECT_DOUBLE_EQ(h.At(102), 3);
  h.Put(104, 6);  // a late scrape changed the newest bucket
  EXPECT_DOUBLE_EQ(h.At(104), 6);
  h.Put(98, 0.5);  // older than the first bucket, still within the ring
  EXPECT_EQ(h.first(), 98);
  EXPECT_TRUE(std::isnan(h.At(99)));
  h.Put(90, 9);  // too old for the ring: dropped
  EXPECT_EQ(h.first(), 98);
  EXPECT_TRUE(std::isnan(h.At(90)));
}

TEST(SeriesHistoryTest, NonFiniteValuesAreMissing) {
  SeriesHistory h(4);
  h.Put(1, 2);
  h.Put(2, std::nan(""));
  h.Put(3, INFINITY);
  EXPECT_EQ(h.last(), 3);
  EXPECT_EQ(h.last_present(), 1);
  h.Put(1, NAN);
  EXPECT_EQ(h.last_present(), INT64_MIN);
}

TEST(SeriesHistoryTest, AJumpLongerThanTheRingClearsIt) {
  SeriesHistory h(3);
  h.Put(1, 1);
  h.Put(2, 2);
  h.Put(1000, 7);
  EXPECT_EQ(h.first(), 998);
  EXPECT_TRUE(std::isnan(h.At(998)));
  EXPECT_TRUE(std::isnan(h.At(999)));
  EXPECT_DOUBLE_EQ(h.At(1000), 7);
  std::vector<double> out;
  h.Copy(999, 1000, &out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(std::isnan(out[0]));
  EXPECT_DOUBLE_EQ(out[1], 7);
}

}  // namespace
}  // namespace prescale::policies
