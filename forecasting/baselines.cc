#include "forecasting/baselines.h"

#include <algorithm>

namespace prescale::forecasting {

void NaiveCore::PointPath(int h, double* out) const { std::fill(out, out + h, last_); }

std::unique_ptr<PointModel> NaiveCore::Clone() const { return std::make_unique<NaiveCore>(*this); }

SeasonalNaiveCore::SeasonalNaiveCore(long period) : period_(std::max(1L, period)) {}

void SeasonalNaiveCore::Reset(double) {
  ring_.clear();
  seen_ = 0;
  last_ = 0;
}

void SeasonalNaiveCore::Observe(double value) {
  if (ring_.empty()) ring_.assign(static_cast<size_t>(period_), 0.0);
  ring_[static_cast<size_t>(seen_ % period_)] = value;
  ++seen_;
  last_ = value;
}

void SeasonalNaiveCore::PointPath(int h, double* out) const {
  if (seen_ < period_) {
    std::fill(out, out + h, last_);
    return;
  }
  for (int k = 1; k <= h; ++k) {
    // Bucket seen_ + k - 1 repeats bucket seen_ + k - 1 - period (or whole periods earlier).
    const long target = seen_ + (k - 1) % period_ - period_;
    out[k - 1] = ring_[static_cast<size_t>(target % period_)];
  }
}

double SeasonalNaiveCore::PointAt(int k) const {
  if (seen_ < period_) return last_;
  return ring_[static_cast<size_t>((seen_ + (k - 1) % period_ - period_) % period_)];
}

std::unique_ptr<PointModel> SeasonalNaiveCore::Clone() const {
  return std::make_unique<SeasonalNaiveCore>(*this);
}

}  // namespace prescale::forecasting
