// "auto": fits every candidate that the history supports and keeps the one with the smallest
// error on the last quarter of the history, out of sample (parameters come from the first three
// quarters): the mean of its MAE relative to the naive forecast at 1 step and at the lead.
// Candidates follow the cold-start chain: below kMinHistory buckets only the observed value
// (naive); then SES and the profile model, which is a short-term model (level + AR(1)) until a
// day of history activates its daily profile, two weeks its weekly one, and a seen occurrence
// its event profiles; the mean of SES and profile; seasonal naive from 1.5 periods on.
// Refit periodically to move along the chain.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "forecasting/calibrated_model.h"

namespace prescale::forecasting {

class AutoModel final : public Model {
 public:
  static constexpr size_t kMinHistory = 10;
  // A combination within this factor of the best score is chosen instead of the best.
  static constexpr double kCombinationSlack = 1.02;

  // `make(name)` builds the named candidate, calibrated; never null for the names used here.
  using CandidateFactory = std::function<std::unique_ptr<CalibratedModel>(const std::string&)>;
  // `events`: the spec has calendar events. Then only the profile model competes with the
  // cold-start naive forecast: the holdout rarely holds an occurrence, so scores cannot see
  // what the event profiles are worth, and a combination would halve them.
  AutoModel(CandidateFactory make, double step_seconds, double first_period_seconds,
            bool events = false);
  AutoModel(const AutoModel& other);

  // Model
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
  bool events_;
  std::unique_ptr<CalibratedModel> chosen_;
  std::vector<std::pair<std::string, double>> scores_;
};

}  // namespace prescale::forecasting
