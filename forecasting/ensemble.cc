#include "forecasting/ensemble.h"

#include <algorithm>

namespace prescale::forecasting {

EnsembleCore::EnsembleCore(std::string name, std::vector<std::unique_ptr<PointModel>> members)
    : name_(std::move(name)), members_(std::move(members)) {}

EnsembleCore::EnsembleCore(const EnsembleCore& other) : name_(other.name_) {
  for (const auto& m : other.members_) members_.push_back(m->Clone());
}

void EnsembleCore::FitParameters(double start, std::span<const double> history) {
  for (auto& m : members_) m->FitParameters(start, history);
}

bool EnsembleCore::Refresh(double start, std::span<const double> history) {
  bool changed = false;
  for (auto& m : members_) changed |= m->Refresh(start, history);
  return changed;
}

void EnsembleCore::Reset(double start) {
  for (auto& m : members_) m->Reset(start);
}

void EnsembleCore::Observe(double value) {
  for (auto& m : members_) m->Observe(value);
}

void EnsembleCore::PointPath(int h, double* out) const {
  const double weight = 1.0 / static_cast<double>(members_.size());
  if (h == 1) {  // the per-update case: no scratch needed
    double sum = 0, one = 0;
    for (const auto& m : members_) m->PointPath(1, &one), sum += one;
    *out = weight * sum;
    return;
  }
  std::fill(out, out + h, 0.0);
  if (static_cast<int>(scratch_.size()) < h) scratch_.resize(h);
  for (const auto& m : members_) {
    m->PointPath(h, scratch_.data());
    for (int k = 0; k < h; ++k) out[k] += weight * scratch_[k];
  }
}

double EnsembleCore::PointAt(int k) const {
  double sum = 0;
  for (const auto& m : members_) sum += m->PointAt(k);
  return (1.0 / static_cast<double>(members_.size())) * sum;
}

double EnsembleCore::EventSpread(int k, double q) const {
  // A member that models the event bounds the quantile at its own forecast plus its spread:
  // averaging with members that do not know the event must not shrink the event's interval.
  double spread = 0, mean = 0;
  bool any = false;
  for (const auto& m : members_) {
    const double s = m->EventSpread(k, q);
    if (s > 0) spread = std::max(spread, m->PointAt(k) + s), any = true;
  }
  if (!any) return 0;
  for (const auto& m : members_) mean += m->PointAt(k);
  mean /= static_cast<double>(members_.size());
  return std::max(0.0, spread - mean);
}

std::unique_ptr<PointModel> EnsembleCore::Clone() const {
  return std::make_unique<EnsembleCore>(*this);
}

}  // namespace prescale::forecasting
