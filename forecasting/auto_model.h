// "auto": fits every candidate that the history supports and keeps the one with the smallest
// rolling-origin error on the later part of the history (mean of its MAE relative to the naive
// forecast at 1 step and at the lead). The candidates follow the cold-start chain: with fewer
// than kMinHistory buckets only the observed value (naive); then the short-term models (SES,
// damped trend), the seasonal profile (whose daily part activates with a day of history, weekly
// with two weeks, event profiles once an event has been seen), the mean of SES and profile,
// and seasonal naive once 1.5 periods are there. Refit to move along the chain.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "forecasting/intervals.h"

namespace prescale::forecasting {

class AutoModel final : public Model {
 public:
  static constexpr size_t kMinHistory = 10;
  // A combination within this factor of the best score is chosen instead of the best.
  static constexpr double kCombinationSlack = 1.02;

  // `make(name)` builds the named candidate, calibrated; never null for the names used here.
  using CandidateFactory = std::function<std::unique_ptr<CalibratedModel>(const std::string&)>;
  AutoModel(CandidateFactory make, double step_seconds, double first_period_seconds);
  AutoModel(const AutoModel& other);

  std::string name() const override;
  void Fit(double start_unix, std::span<const double> history) override;
  void Update(double value) override { chosen_->Update(value); }
  std::vector<ForecastPoint> Forecast(int h, double q) const override {
    return chosen_->Forecast(h, q);
  }
  std::unique_ptr<Model> Clone() const override { return std::make_unique<AutoModel>(*this); }

  // Candidates considered by the last Fit with their scores (lower is better), for reports.
  const std::vector<std::pair<std::string, double>>& scores() const { return scores_; }

 private:
  std::vector<std::string> Candidates(size_t history_size) const;

  CandidateFactory make_;
  double step_, first_period_;
  std::unique_ptr<CalibratedModel> chosen_;
  std::vector<std::pair<std::string, double>> scores_;
};

}  // namespace prescale::forecasting
