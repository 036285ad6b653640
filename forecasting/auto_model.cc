#include "forecasting/auto_model.h"

#include <cmath>
#include <limits>

#include "forecasting/ensemble.h"

namespace prescale::forecasting {
namespace {

double Relative(double mae, double naive) {
  if (naive > 0) return mae / naive;
  return mae > 0 ? std::numeric_limits<double>::max() / 4 : 1.0;
}

// Splits "a+b" into {"a", "b"}; a plain name gives itself.
std::vector<std::string> Members(const std::string& name) {
  std::vector<std::string> out;
  size_t from = 0;
  for (size_t plus; (plus = name.find('+', from)) != std::string::npos; from = plus + 1) {
    out.push_back(name.substr(from, plus - from));
  }
  out.push_back(name.substr(from));
  return out;
}

}  // namespace

AutoModel::AutoModel(CandidateFactory make, double step_seconds, double first_period_seconds,
                     bool events)
    : make_(std::move(make)),
      step_(step_seconds),
      first_period_(first_period_seconds),
      events_(events),
      chosen_(make_("naive")) {}

AutoModel::AutoModel(const AutoModel& o)
    : make_(o.make_),
      step_(o.step_),
      first_period_(o.first_period_),
      events_(o.events_),
      chosen_(std::make_unique<CalibratedModel>(*o.chosen_)),
      scores_(o.scores_) {}

std::string AutoModel::name() const { return "auto(" + chosen_->name() + ")"; }

std::vector<std::string> AutoModel::Candidates(size_t n) const {
  if (n < kMinHistory) return {"naive"};
  if (events_) return {"profile"};
  std::vector<std::string> names = {"naive", "ses", "profile", "ses+profile"};
  const double span = static_cast<double>(n) * step_;
  if (first_period_ > 0 && span >= 1.5 * first_period_) names.push_back("seasonal_naive");
  return names;
}

void AutoModel::Fit(double start, std::span<const double> history) {
  scores_.clear();
  std::vector<std::unique_ptr<CalibratedModel>> fitted;
  size_t best = 0;
  for (const std::string& name : Candidates(history.size())) {
    const std::vector<std::string> members = Members(name);
    if (name == "naive") {
      // Its relative error is 1 by definition: no need to replay it.
      fitted.push_back(make_(name));
      scores_.emplace_back(name, 1.0);
      continue;
    } else if (members.size() == 1) {
      fitted.push_back(make_(name));
      fitted.back()->FitHoldout(start, history);
    } else {
      // A combination reuses its members' fitted parameters (they are earlier candidates).
      std::vector<std::unique_ptr<PointModel>> cores;
      for (const std::string& member : members) {
        for (size_t i = 0; i < fitted.size(); ++i) {
          if (scores_[i].first == member) cores.push_back(fitted[i]->core().Clone());
        }
      }
      if (cores.size() != members.size()) continue;  // a member was not a candidate
      fitted.push_back(
          fitted.front()->WithCore(std::make_unique<EnsembleCore>(name, std::move(cores))));
      fitted.back()->FitHoldout(start, history, /*fit_parameters=*/false);
    }
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
  if (scores_[best].first == "naive") fitted[best]->FitHoldout(start, history);
  fitted[best]->FitFinal(start, history);
  chosen_ = std::move(fitted[best]);
}

}  // namespace prescale::forecasting
