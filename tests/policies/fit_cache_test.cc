// Pipelines sharing a FitCache serve exactly what pipelines fitting alone serve, across quantiles
// and holds, with learned events; the cache is hit.
#include "policies/fit_cache.h"

#include <gtest/gtest.h>

#include <cmath>

#include "policies/series_pipeline.h"

namespace prescale::policies {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr double kStep = 60;
constexpr int64_t kK0 = 1381104000 / 60;  // 2013-10-07 00:00 UTC, in steps

// Five weekdays: a level with a jump at 13:30 UTC every day (learned as an event) and noise.
double Demand(int64_t k) {
  const int64_t minute = (k - kK0) % 1440;
  return 200 + (minute >= 810 && minute < 840 ? 900 : 0) + static_cast<double>((k * 7919) % 61);
}

Policy TestPolicy(double quantile, minutes hold) {
  Policy p;
  p.name = "flow";
  p.step = seconds(60);
  p.history = hours(96);
  p.lead = seconds(120);
  p.refit_every = hours(2);
  p.quantile = quantile;
  p.scale_down_hold = hold;
  p.model = "auto";
  return p;
}

// The served value at each bucket's settling over five days.
std::vector<double> Serve(const Policy& p, std::shared_ptr<FitCache> cache, std::string* model) {
  auto made = PipelineSettings::Create(p, kStep, {}, std::move(cache));
  SeriesPipeline pipeline(std::get<std::shared_ptr<const PipelineSettings>>(made),
                          StableLabelHash({{"venue", "xnas"}}));
  std::vector<double> served;
  for (int64_t k = kK0; k < kK0 + 5 * 1440; ++k) {
    pipeline.Put(k, Demand(k));
    const double now = static_cast<double>(k + 1) * kStep + 10;
    pipeline.Advance(now);
    served.push_back(pipeline.Served(now));
  }
  *model = pipeline.model_name();
  EXPECT_FALSE(pipeline.learned_events().empty());
  return served;
}

TEST(FitCacheTest, SharedFitsServeWhatFittingAloneServes) {
  auto cache = std::make_shared<FitCache>();
  for (const auto& [q, hold] :
       {std::pair{0.9, minutes(5)}, std::pair{0.97, minutes(10)}, std::pair{0.8, minutes(2)}}) {
    std::string alone_model, shared_model;
    const std::vector<double> alone = Serve(TestPolicy(q, hold), nullptr, &alone_model);
    const std::vector<double> shared = Serve(TestPolicy(q, hold), cache, &shared_model);
    EXPECT_EQ(alone, shared) << q;
    EXPECT_EQ(alone_model, shared_model);
  }
  EXPECT_GT(cache->hits(), 40u);  // the second and third policies fit nothing themselves
}

TEST(FitCacheTest, KeysDependOnTheWindowAndItsPlace) {
  const std::vector<double> a = {1, 2, 3}, b = {1, 2, 4};
  EXPECT_EQ(FitCache::KeyOf(10, 8, a), FitCache::KeyOf(10, 8, a));
  EXPECT_NE(FitCache::KeyOf(10, 8, a), FitCache::KeyOf(10, 8, b));
  EXPECT_NE(FitCache::KeyOf(10, 8, a), FitCache::KeyOf(11, 8, a));
  EXPECT_NE(FitCache::KeyOf(10, 8, a), FitCache::KeyOf(10, 7, a));
  FitCache small(1);
  small.Put(FitCache::KeyOf(1, 1, a), {});
  small.Put(FitCache::KeyOf(2, 1, a), {});
  EXPECT_TRUE(small.Find(FitCache::KeyOf(1, 1, a)));
  EXPECT_FALSE(small.Find(FitCache::KeyOf(2, 1, a)));  // beyond max_entries: not stored
  EXPECT_EQ(small.hits(), 1u);
}

}  // namespace
}  // namespace prescale::policies
