#include "policies/backtest/spikes.h"

#include <gtest/gtest.h>

namespace prescale::policies {
namespace {

TEST(SpikesTest, OnsetNeedsOneAndAHalfTimesAndFivePodsOverTheLastTenMinutes) {
  // 1-minute buckets. 5 -> 8 is 1.6x but only +3 pods; 5 -> 10 is 2x and +5.
  std::vector<int> required(30, 5);
  required[12] = 8;
  required[25] = 10;
  const auto onsets = FindSpikeOnsets(required, 60);
  ASSERT_EQ(onsets.size(), 1u);
  EXPECT_EQ(onsets[0].bucket, 25u);
  EXPECT_EQ(onsets[0].required_before, 5);  // bucket 12 (8 pods) is more than 10 min before
}

TEST(SpikesTest, OnsetsWithinTenMinutesMerge) {
  std::vector<int> required(60, 5);
  required[20] = 20;  // onset
  for (int i = 21; i < 60; ++i) required[i] = 5;
  required[25] = 40;  // within 10 min of 20, and 40 >= 1.5 x 20: merged
  required[45] = 40;  // 20 min later, the 10-min max before it is 5: a new onset
  const auto onsets = FindSpikeOnsets(required, 60);
  ASSERT_EQ(onsets.size(), 2u);
  EXPECT_EQ(onsets[0].bucket, 20u);
  EXPECT_EQ(onsets[1].bucket, 45u);
}

TEST(SpikesTest, NoOnsetInTheFirstTenMinutes) {
  std::vector<int> required = {5, 5, 50, 5, 5};
  EXPECT_TRUE(FindSpikeOnsets(required, 60).empty());
}

TEST(SpikesTest, LeadBeforeAfterAndMissed) {
  std::vector<int> ready(2000, 5);
  for (int s = 970; s < 2000; ++s) ready[s] = 50;  // ready 30 s before an onset at 1000
  EXPECT_EQ(SpikeLead(ready, 1000, 45), 30);
  // Coverage that starts more than 10 minutes early is capped at 600 s.
  std::vector<int> always(2000, 50);
  EXPECT_EQ(SpikeLead(always, 1000, 45), 600);
  // Late: covered from 1090 on.
  std::vector<int> late(2000, 5);
  for (int s = 1090; s < 2000; ++s) late[s] = 50;
  EXPECT_EQ(SpikeLead(late, 1000, 45), -90);
  // Coverage at 1000 is interrupted at 990: the lead counts from 991.
  std::vector<int> gap = ready;
  gap[990] = 5;
  EXPECT_EQ(SpikeLead(gap, 1000, 45), 9);
  // Never covered within 10 minutes after the onset: missed.
  std::vector<int> never(2000, 5);
  for (int s = 1601; s < 2000; ++s) never[s] = 50;
  EXPECT_FALSE(SpikeLead(never, 1000, 45).has_value());
}

TEST(SpikesTest, MedianCountsMissedAsMinus600) {
  std::vector<std::optional<int64_t>> leads = {30, std::nullopt, -90};
  EXPECT_EQ(MedianLead(leads), -90);
  leads = {30, 10};
  EXPECT_EQ(MedianLead(leads), 20);
  EXPECT_FALSE(MedianLead({}).has_value());
}

}  // namespace
}  // namespace prescale::policies
