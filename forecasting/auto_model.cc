#include "forecasting/auto_model.h"

#include <cmath>
#include <limits>

namespace prescale::forecasting {
namespace {

double Relative(double mae, double naive) {
  if (naive > 0) return mae / naive;
  return mae > 0 ? std::numeric_limits<double>::max() / 4 : 1.0;
}

}  // namespace

AutoModel::AutoModel(CandidateFactory make, double step_seconds, double first_period_seconds)
    : make_(std::move(make)),
      step_(step_seconds),
      first_period_(first_period_seconds),
      chosen_(make_("naive")) {}

AutoModel::AutoModel(const AutoModel& o)
    : make_(o.make_),
      step_(o.step_),
      first_period_(o.first_period_),
      chosen_(std::make_unique<CalibratedModel>(*o.chosen_)),
      scores_(o.scores_) {}

std::string AutoModel::name() const { return "auto(" + chosen_->name() + ")"; }

std::vector<std::string> AutoModel::Candidates(size_t n) const {
  if (n < kMinHistory) return {"naive"};
  std::vector<std::string> names = {"naive", "ses", "holt", "profile", "ses+profile"};
  const double span = static_cast<double>(n) * step_;
  if (first_period_ > 0 && span >= 1.5 * first_period_) names.push_back("seasonal_naive");
  return names;
}

void AutoModel::Fit(double start, std::span<const double> history) {
  scores_.clear();
  std::vector<std::unique_ptr<CalibratedModel>> fitted;
  size_t best = 0;
  for (const std::string& name : Candidates(history.size())) {
    fitted.push_back(make_(name));
    fitted.back()->FitHoldout(start, history);
    const CalibrationScore& s = fitted.back()->score();
    const double score =
        s.origins == 0
            ? std::numeric_limits<double>::max() / 2
            : 0.5 * (Relative(s.mae_first, s.naive_first) + Relative(s.mae_lead, s.naive_lead));
    scores_.emplace_back(name, score);
    if (score < scores_[best].second) best = scores_.size() - 1;
  }
  // A combination close to the best is preferred: its holdout score is a noisy estimate, and
  // combinations are the more robust choice out of sample.
  for (size_t i = 0; i < scores_.size(); ++i) {
    const bool combination = scores_[i].first.find('+') != std::string::npos;
    if (combination && scores_[i].second <= kCombinationSlack * scores_[best].second) best = i;
  }
  fitted[best]->FitFinal(start, history);
  chosen_ = std::move(fitted[best]);
}

}  // namespace prescale::forecasting
