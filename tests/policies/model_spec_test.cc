#include "policies/model_spec.h"

#include <gtest/gtest.h>

#include "policies/policy_file.h"

namespace prescale::policies {
namespace {

TEST(ModelSpecForTest, CarriesEveryModelKeyOfThePolicy) {
  const LoadResult loaded = ParseConfig(R"(policies:
  - name: flow
    query: up
    step: 30s
    history: 14d
    lead: 90s
    model: ses+profile
    seasonality: [1d, 1w]
    events:
      - {name: open, schedule: "30 9 * * mon-fri", timezone: America/New_York}
)",
                                        "p.yaml");
  ASSERT_TRUE(loaded.config) << loaded.errors.front().ToString();
  const forecasting::ModelSpec spec = ModelSpecFor(loaded.config->policies[0], 30);
  EXPECT_EQ(spec.model, "ses+profile");
  EXPECT_EQ(spec.step_seconds, 30);
  EXPECT_EQ(spec.seasonality_seconds, (std::vector<double>{86400, 604800}));
  EXPECT_EQ(spec.lead_seconds, 90);
  ASSERT_EQ(spec.events.size(), 1u);
  EXPECT_EQ(spec.events[0],
            (forecasting::EventSpec{"open", "30 9 * * mon-fri", "America/New_York"}));
  // The spec builds: the model layer accepts what the policy file accepts.
  EXPECT_TRUE(
      std::holds_alternative<std::unique_ptr<forecasting::Model>>(forecasting::MakeModel(spec)));
}

TEST(ModelSpecForTest, TheStepIsTheCallers) {
  Policy p;
  p.step = std::chrono::seconds(15);
  EXPECT_EQ(ModelSpecFor(p, 60).step_seconds, 60);  // e.g. a backtest on a 1-minute trace
  EXPECT_TRUE(ModelSpecFor(p, 60).seasonality_seconds.empty());
}

}  // namespace
}  // namespace prescale::policies
