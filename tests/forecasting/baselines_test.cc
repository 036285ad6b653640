#include "forecasting/baselines.h"

#include <gtest/gtest.h>

#include "forecasting/ensemble.h"

namespace prescale::forecasting {
namespace {

std::vector<double> Path(const PointModel& m, int h) {
  std::vector<double> out(h);
  m.PointPath(h, out.data());
  for (int k = 1; k <= h; ++k) EXPECT_EQ(m.PointAt(k), out[k - 1]) << "PointAt(" << k << ")";
  return out;
}

TEST(BaselinesTest, NaiveRepeatsTheLastValue) {
  NaiveCore m;
  m.Reset(0);
  EXPECT_EQ(Path(m, 2), (std::vector<double>{0, 0}));
  for (double v : {3.0, 8.0, 5.0}) m.Observe(v);
  EXPECT_EQ(Path(m, 3), (std::vector<double>{5, 5, 5}));
}

TEST(BaselinesTest, SeasonalNaiveRepeatsThePeriodAndFallsBackBeforeIt) {
  SeasonalNaiveCore m(3);
  m.Reset(0);
  m.Observe(1), m.Observe(2);
  EXPECT_EQ(Path(m, 2), (std::vector<double>{2, 2}));  // less than a period: naive
  for (double v : {3.0, 4.0, 5.0, 6.0}) m.Observe(v);  // seen 1..6: last period is 4, 5, 6
  EXPECT_EQ(Path(m, 7), (std::vector<double>{4, 5, 6, 4, 5, 6, 4}));
}

TEST(EnsembleTest, AveragesItsMembers) {
  std::vector<std::unique_ptr<PointModel>> members;
  members.push_back(std::make_unique<NaiveCore>());
  members.push_back(std::make_unique<SeasonalNaiveCore>(2));
  EnsembleCore m("naive+seasonal_naive", std::move(members));
  m.Reset(0);
  for (double v : {10.0, 20.0, 30.0, 40.0}) m.Observe(v);
  // naive 40, 40, 40; seasonal naive 30, 40, 30.
  EXPECT_EQ(Path(m, 3), (std::vector<double>{35, 40, 35}));
  auto clone = m.Clone();
  m.Observe(0);
  EXPECT_EQ(Path(*clone, 1), (std::vector<double>{35}));
  EXPECT_EQ(clone->name(), "naive+seasonal_naive");
}

}  // namespace
}  // namespace prescale::forecasting
