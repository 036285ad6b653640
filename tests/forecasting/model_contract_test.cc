// The Model contract (model.h), checked for every named model and "auto".
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "forecasting/model.h"

namespace prescale::forecasting {
namespace {

std::unique_ptr<Model> Make(const std::string& name, double step = 60) {
  ModelSpec spec;
  spec.model = name;
  spec.step_seconds = step;
  spec.lead_seconds = 5 * step;
  spec.events = {{"noon", "0 12 * * *", "UTC"}};
  auto made = MakeModel(spec);
  if (auto* e = std::get_if<ModelError>(&made)) ADD_FAILURE() << e->message;
  return std::move(std::get<std::unique_ptr<Model>>(made));
}

void ExpectSane(const std::vector<ForecastPoint>& f, const std::string& what) {
  for (size_t k = 0; k < f.size(); ++k) {
    EXPECT_TRUE(std::isfinite(f[k].mean) && f[k].mean >= 0) << what << " step " << k;
    EXPECT_TRUE(std::isfinite(f[k].quantile) && f[k].quantile >= 0) << what << " step " << k;
  }
}

class ContractTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::vector<ForecastPoint> FitAndForecast(const std::vector<double>& history, int h = 10,
                                            double q = 0.9) {
    model_ = Make(GetParam());
    model_->Fit(1.7e9, history);
    auto f = model_->Forecast(h, q);
    EXPECT_EQ(f.size(), static_cast<size_t>(h));
    ExpectSane(f, GetParam());
    return f;
  }
  std::unique_ptr<Model> model_;
};

TEST_P(ContractTest, ConstantSeries) {
  for (const auto& p : FitAndForecast(std::vector<double>(3000, 7.0))) {
    EXPECT_NEAR(p.mean, 7.0, 1e-6);
    EXPECT_NEAR(p.quantile, 7.0, 1e-6);
  }
}

TEST_P(ContractTest, AllZeros) {
  for (const auto& p : FitAndForecast(std::vector<double>(3000, 0.0))) {
    EXPECT_EQ(p.mean, 0.0);
    EXPECT_EQ(p.quantile, 0.0);
  }
}

TEST_P(ContractTest, SingleSpike) {
  std::vector<double> y(3000, 0.0);
  y[1500] = 1000;
  FitAndForecast(y);
  y.back() = 1000;  // a spike in the very last bucket
  FitAndForecast(y);
}

TEST_P(ContractTest, NearTheLargestDemands) {
  std::vector<double> y(3000);
  for (size_t i = 0; i < y.size(); ++i) y[i] = 1e12 + 1e9 * std::sin(i * 0.1);
  for (const auto& p : FitAndForecast(y)) EXPECT_NEAR(p.mean / 1e12, 1.0, 0.01);
}

TEST_P(ContractTest, TooLittleHistory) {
  for (const auto& p : FitAndForecast({})) EXPECT_EQ(p.mean, 0.0);
  for (const auto& p : FitAndForecast({5})) EXPECT_NEAR(p.mean, 5.0, 1e-9);
  FitAndForecast({5, 6});
  FitAndForecast(std::vector<double>(12, 3.0));
}

TEST_P(ContractTest, GapsAndInvalidInputAreHandled) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> y(2000);
  for (size_t i = 0; i < y.size(); ++i) y[i] = 50 + (i % 7);
  y[100] = nan, y[500] = inf, y[900] = -inf, y[1200] = -5;
  FitAndForecast(y);
  for (double v : {nan, inf, -inf, -3.0, 1e300}) {
    model_->Update(v);
    ExpectSane(model_->Forecast(10, 0.9), GetParam() + " after update");
  }
}

TEST_P(ContractTest, EdgeArguments) {
  FitAndForecast(std::vector<double>(500, 4.0));
  EXPECT_TRUE(model_->Forecast(0, 0.9).empty());
  EXPECT_TRUE(model_->Forecast(-3, 0.9).empty());
  for (double q : {0.0, 1.0, -1.0, std::numeric_limits<double>::quiet_NaN()}) {
    ExpectSane(model_->Forecast(3, q), "q");
  }
}

TEST_P(ContractTest, DeterministicAndCloneIsIndependent) {
  std::vector<double> y(5000);
  for (size_t i = 0; i < y.size(); ++i) y[i] = 100 + 30 * std::sin(i * 0.01) + (i * 7919 % 13);
  const auto a = FitAndForecast(y, 20);
  auto first = std::move(model_);
  const auto b = FitAndForecast(y, 20);
  ASSERT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(ForecastPoint)), 0);
  auto clone = first->Clone();
  EXPECT_EQ(clone->name(), first->name());
  first->Update(500);
  const auto after_update = first->Forecast(20, 0.9);
  const auto from_clone = clone->Forecast(20, 0.9);
  EXPECT_EQ(std::memcmp(from_clone.data(), a.data(), a.size() * sizeof(ForecastPoint)), 0);
  clone->Update(500);
  const auto clone_updated = clone->Forecast(20, 0.9);
  EXPECT_EQ(std::memcmp(clone_updated.data(), after_update.data(),
                        after_update.size() * sizeof(ForecastPoint)),
            0);
}

INSTANTIATE_TEST_SUITE_P(AllModels, ContractTest, ::testing::ValuesIn(KnownModelNames()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) c = std::isalnum(c) ? c : '_';
                           return n;
                         });

TEST(ModelFactoryTest, UnknownModelListsTheKnownOnes) {
  ModelSpec spec;
  spec.model = "prophet";
  auto made = MakeModel(spec);
  ASSERT_TRUE(std::holds_alternative<ModelError>(made));
  const std::string& m = std::get<ModelError>(made).message;
  EXPECT_NE(m.find("unknown model \"prophet\""), std::string::npos) << m;
  EXPECT_NE(m.find("holt_winters"), std::string::npos) << m;
}

TEST(ModelFactoryTest, BadSpecsAreErrors) {
  ModelSpec spec;
  spec.step_seconds = 0;
  EXPECT_TRUE(std::holds_alternative<ModelError>(MakeModel(spec)));
  spec.step_seconds = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(std::holds_alternative<ModelError>(MakeModel(spec)));
  spec.step_seconds = 60;
  spec.events = {{"open", "30 9 * * 1-5", "Nowhere/Special"}};
  auto made = MakeModel(spec);
  ASSERT_TRUE(std::holds_alternative<ModelError>(made));
  EXPECT_NE(std::get<ModelError>(made).message.find("open"), std::string::npos);
}

TEST(ModelFactoryTest, AutoNamesItsChoiceAndStartsCold) {
  auto model = Make("auto");
  model->Fit(0, std::vector<double>{1, 2, 3});
  EXPECT_EQ(model->name(), "auto(naive)");  // too little history: the observed value
  EXPECT_EQ(model->Forecast(1, 0.5)[0].mean, 3);
  std::vector<double> y(3000);
  for (size_t i = 0; i < y.size(); ++i) y[i] = 10 + (i % 5);
  model->Fit(0, y);
  EXPECT_NE(model->name(), "auto(naive)");
  EXPECT_EQ(model->name().rfind("auto(", 0), 0u);
}

}  // namespace
}  // namespace prescale::forecasting
