#include "policies/backtest/report.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "policies/backtest/plot.h"

namespace prescale::policies {
namespace {

BacktestResult SmallResult() {
  BacktestResult r;
  r.capacity_per_pod = 10;
  r.start_unix = 1000;
  r.step_seconds = 60;
  r.seconds = 120;
  r.model_name = "auto(profile)";
  for (int k = 0; k <= static_cast<int>(Strategy::kOracle); ++k) r.strategies[k] = StrategyResult{};
  r.strategies[0]->unserved_fraction = 0.036;
  r.strategies[0]->median_spike_lead_seconds = -90;
  r.strategies[3]->spikes_ready_before_onset = 1;
  SpikeResult spike;
  spike.onset_unix = 1060;
  spike.required = 45;
  spike.required_before = 5;
  spike.lead_seconds = {-90, std::nullopt, 30, 0, std::nullopt};
  r.spikes.push_back(spike);
  // reactive, seasonal_naive, prescale, oracle
  r.series.push_back({1000, 5, 4, 6.5, {5, 7, 6, 5, 0}, {5, 8, 5, 0, 0}});
  for (int k = 0; k <= static_cast<int>(Strategy::kOracle); ++k) r.ready[k].assign(120, 5);
  return r;
}

TEST(BacktestReportTest, JsonHasTheContractKeys) {
  const auto j = nlohmann::json::parse(BacktestJson(SmallResult(), "t.csv"));
  for (const char* name : {"reactive", "seasonal_naive", "prescale", "oracle"}) {
    const auto& s = j.at("strategies").at(name);
    for (const char* key :
         {"unserved_fraction", "underprovisioned_seconds", "pod_seconds", "max_replicas_used",
          "scale_events", "spikes_ready_before_onset", "median_spike_lead_seconds"}) {
      EXPECT_TRUE(s.contains(key)) << name << "." << key;
    }
  }
  EXPECT_DOUBLE_EQ(j["strategies"]["reactive"]["unserved_fraction"].get<double>(), 0.036);
  EXPECT_TRUE(j["strategies"]["prescale"]["median_spike_lead_seconds"].is_null());
  ASSERT_EQ(j["spikes"].size(), 1u);
  EXPECT_EQ(j["spikes"][0]["lead_seconds"]["reactive"], -90);
  EXPECT_TRUE(j["spikes"][0]["lead_seconds"]["seasonal_naive"].is_null());  // missed
  EXPECT_EQ(j["capacity_per_pod"], 10);
  EXPECT_TRUE(j["equal_cost_advantage"].is_null());  // not set in this result
  EXPECT_EQ(j["spikes"][0]["class"], "unscheduled");
  EXPECT_TRUE(j["strategies"]["reactive"]["unserved_by_cause"].contains("unscheduled_ramp"));
  EXPECT_TRUE(j["learned_events"].is_array());
}

TEST(BacktestReportTest, EqualCostAdvantageAndLearnedEventsAreReported) {
  BacktestResult r = SmallResult();
  r.equal_cost_advantage = 1.75;
  r.spikes[0].scheduled = true;
  forecasting::EventSpec learned("learned_1330", "30 13 * * 1-5", "UTC");
  r.learned_events.push_back({learned, 1000});
  const auto j = nlohmann::json::parse(BacktestJson(r, "t.csv"));
  EXPECT_EQ(j["equal_cost_advantage"], 1.75);
  EXPECT_EQ(j["spikes"][0]["class"], "scheduled");
  ASSERT_EQ(j["learned_events"].size(), 1u);
  EXPECT_EQ(j["learned_events"][0]["schedule"], "30 13 * * 1-5");
  const std::string table = FormatBacktestTable(r, "t.csv");
  EXPECT_NE(table.find("equal-cost advantage: 1.75"), std::string::npos) << table;
  EXPECT_NE(table.find("learned event learned_1330"), std::string::npos) << table;
}

TEST(BacktestReportTest, PerfectForecastIsReportedOnlyWhenRun) {
  BacktestResult r = SmallResult();
  EXPECT_FALSE(
      nlohmann::json::parse(BacktestJson(r, "t.csv"))["strategies"].contains("perfect_forecast"));
  EXPECT_EQ(FormatBacktestTable(r, "t.csv").find("perfect_forecast"), std::string::npos);
  auto& perfect = r.strategies[static_cast<int>(Strategy::kPerfectForecast)];
  perfect = StrategyResult{};
  perfect->unserved_fraction = 0.002;
  perfect->median_spike_lead_seconds = 30;
  const auto j = nlohmann::json::parse(BacktestJson(r, "t.csv"));
  EXPECT_DOUBLE_EQ(j["strategies"]["perfect_forecast"]["unserved_fraction"].get<double>(), 0.002);
  EXPECT_EQ(j["strategies"]["perfect_forecast"]["median_spike_lead_seconds"], 30);
  const std::string table = FormatBacktestTable(r, "t.csv");
  EXPECT_NE(table.find("perfect_forecast    0.200%"), std::string::npos) << table;
  EXPECT_NE(table.find("+30s"), std::string::npos);
}

TEST(BacktestReportTest, SeriesCsvStartsWithTheContractColumns) {
  const std::string csv = BacktestSeriesCsv(SmallResult());
  EXPECT_EQ(csv.rfind("t,demand,observed,forecast,replicas_reactive,ready_reactive,"
                      "replicas_prescale,ready_prescale,replicas_oracle",
                      0),
            0u);
  // ... replicas_oracle, then replicas/ready of seasonal_naive and of reactive_matched.
  EXPECT_NE(csv.find("\n1000,5,4,6.5,5,5,6,5,5,7,8,0,0\n"), std::string::npos) << csv;
}

TEST(BacktestReportTest, TableHasOneRowPerStrategy) {
  const std::string table = FormatBacktestTable(SmallResult(), "t.csv");
  EXPECT_NE(table.find("reactive            3.600%"), std::string::npos) << table;
  EXPECT_NE(table.find("1 spikes"), std::string::npos);
  EXPECT_NE(table.find("-90s"), std::string::npos);
}

TEST(BacktestPlotTest, SvgHasLegendSpikeMarksAndEscapedTitle) {
  forecasting::Trace trace{1000, 60, {5, 450}};
  const std::string svg = RenderBacktestSvg(SmallResult(), trace, "a <b> & c");
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_NE(svg.find("a &lt;b&gt; &amp; c"), std::string::npos);
  for (const char* name : {"reactive", "seasonal_naive", "prescale", "oracle"})
    EXPECT_NE(svg.find(">" + std::string(name) + "</text>"), std::string::npos) << name;
  EXPECT_NE(svg.find("prescale lead +30s"), std::string::npos);  // the spike's tooltip
  EXPECT_EQ(svg.find("perfect_forecast"), std::string::npos);    // it did not run
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

}  // namespace
}  // namespace prescale::policies
