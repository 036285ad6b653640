#include "forecasting/calibrated_model.h"

#include <algorithm>
#include <cmath>

#include "forecasting/quantiles.h"

namespace prescale::forecasting {
namespace {

constexpr int kMaxLead = 1024;
constexpr long kMaxOrigins = 1500;
constexpr long kMinBinCount = 20;   // one-step errors before an hour's own scale is trusted
constexpr double kMinRate = 0.005;  // EWMA rate floor: memory of about 200 errors

double NonNegative(double v) { return std::isfinite(v) ? std::max(0.0, v) : 0.0; }

double SortedQuantile(const std::vector<double>& sorted, double q) {
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const size_t i = static_cast<size_t>(pos);
  if (i + 1 >= sorted.size()) return sorted.back();
  const double f = pos - static_cast<double>(i);
  return sorted[i] + f * (sorted[i + 1] - sorted[i]);
}

// 1/count while that exceeds kMinRate (a running mean), then kMinRate; no division per call.
double Rate(long count) {
  static const auto table = [] {
    std::array<double, 201> t{};
    for (size_t i = 1; i < t.size(); ++i) t[i] = std::max(kMinRate, 1.0 / static_cast<double>(i));
    return t;
  }();
  return count < static_cast<long>(table.size()) ? table[count] : kMinRate;
}

std::vector<int> HorizonGrid(int lead) {
  std::vector<int> grid;
  for (int k = 1; k < lead; k = k < 4 ? k + 1 : k + k / 2) grid.push_back(k);
  grid.push_back(lead);
  return grid;
}

}  // namespace

ErrorScale::ErrorScale(double step_seconds) : by_hour_(step_seconds < 3600) {}

void ErrorScale::Reset() {
  value_.fill(0), count_.fill(0);
  hour_start_ = 1, hour_bin_ = 0;  // no hour cached
  global_ = magnitude_ = 0;
  global_count_ = 0;
}

int ErrorScale::Bin(double t) const {
  const long hours = static_cast<long>(std::floor(t / 3600.0));
  return static_cast<int>(((hours % 24) + 24) % 24);
}

void ErrorScale::Observe(double t, double abs_error, double abs_value) {
  const double rate = Rate(++global_count_);
  global_ += rate * (abs_error - global_);
  magnitude_ += rate * (abs_value - magnitude_);
  if (!by_hour_) return;
  if (!(t >= hour_start_ && t < hour_start_ + 3600)) {
    hour_start_ = std::floor(t / 3600.0) * 3600.0;
    hour_bin_ = Bin(t);
  }
  const int b = hour_bin_;
  value_[b] += Rate(++count_[b]) * (abs_error - value_[b]);
}

double ErrorScale::At(double t) const {
  const double floor = 1e-9 * magnitude_ + 1e-12;
  if (by_hour_) {
    const int b = Bin(t);
    if (count_[b] >= kMinBinCount) return std::max(floor, value_[b]);
  }
  return std::max(floor, global_);
}

CalibratedModel::CalibratedModel(std::unique_ptr<PointModel> core, double step_seconds,
                                 int lead_steps)
    : core_(std::move(core)),
      step_(step_seconds),
      lead_(std::clamp(lead_steps, 1, kMaxLead)),
      horizons_(HorizonGrid(lead_)),
      scale_(step_seconds) {}

CalibratedModel::CalibratedModel(const CalibratedModel& o)
    : core_(o.core_->Clone()),
      step_(o.step_),
      lead_(o.lead_),
      horizons_(o.horizons_),
      errors_(o.errors_),
      score_(o.score_),
      scale_(o.scale_),
      holdout_start_(o.holdout_start_),
      holdout_size_(o.holdout_size_),
      next_time_(o.next_time_),
      last_value_(o.last_value_),
      seen_(o.seen_) {}

std::unique_ptr<Model> CalibratedModel::Clone() const {
  return std::make_unique<CalibratedModel>(*this);
}

double CalibratedModel::Sanitize(double value) const {
  if (std::isfinite(value)) return std::max(0.0, value);
  // A missing bucket: continue with the model's own expectation.
  double p = 0;
  core_->PointPath(1, &p);
  return NonNegative(p);
}

void CalibratedModel::Observe(double y) {
  double p = 0;
  core_->PointPath(1, &p);
  if (seen_ > 0) scale_.Observe(next_time_, std::abs(y - NonNegative(p)), y);
  core_->Observe(y);
  last_value_ = y;
  next_time_ += step_;
  ++seen_;
}

void CalibratedModel::Update(double value) {
  if (std::isfinite(value)) return Observe(std::max(0.0, value));
  const double filled = Sanitize(value);
  core_->Observe(filled);  // advance time without teaching the scale a made-up error
  last_value_ = filled;
  next_time_ += step_;
  ++seen_;
}

std::vector<double> CalibratedModel::Clean(std::span<const double> raw) {
  std::vector<double> y(raw.size());
  double previous = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    y[i] = std::isfinite(raw[i]) ? std::max(0.0, raw[i]) : previous;
    previous = y[i];
  }
  return y;
}

void CalibratedModel::Replay(double start, const std::vector<double>& y, long first_origin) {
  core_->Reset(start);
  scale_.Reset();
  next_time_ = start, last_value_ = 0, seen_ = 0;
  const long n = static_cast<long>(y.size());
  const long stride = std::max(1L, (n - first_origin) / kMaxOrigins);
  for (long i = 0; i < n; ++i) {
    if (first_origin > 0 && i >= first_origin && (i - first_origin) % stride == 0) {
      // Only the calibrated horizons are evaluated (PointAt is O(1)), not the whole path.
      double first = 0, at_lead = 0;
      for (size_t g = 0; g < horizons_.size(); ++g) {
        const long target = i + horizons_[g] - 1;
        if (target >= n) break;
        const double forecast = NonNegative(core_->PointAt(horizons_[g]));
        if (g == 0) first = forecast;
        if (g + 1 == horizons_.size()) at_lead = forecast;
        errors_[g].push_back((y[target] - forecast) / scale_.At(start + target * step_));
      }
      if (i + lead_ - 1 < n) {
        ++score_.origins;
        score_.mae_first += std::abs(y[i] - first);
        score_.naive_first += std::abs(y[i] - y[i - 1]);
        score_.mae_lead += std::abs(y[i + lead_ - 1] - at_lead);
        score_.naive_lead += std::abs(y[i + lead_ - 1] - y[i - 1]);
      }
    }
    Observe(y[i]);
  }
}

void CalibratedModel::FitHoldout(double start, std::span<const double> raw, bool fit_parameters) {
  const std::vector<double> y = Clean(raw);
  const long n = static_cast<long>(y.size());
  // Parameters (and seasonal profiles) come from the first three quarters only, so the errors
  // on the last quarter, which calibrate the intervals and score the model, are out of sample.
  const long cut = std::max(2L, n - n / 4);
  errors_.assign(horizons_.size(), {});
  score_ = {};
  if (fit_parameters) {
    core_->FitParameters(start, std::span<const double>(y).first(std::min(n, cut)));
  }
  Replay(start, y, cut);
  holdout_start_ = start, holdout_size_ = raw.size();
}

void CalibratedModel::FitFinal(double start, std::span<const double> raw) {
  const std::vector<double> y = Clean(raw);
  // If FitHoldout just replayed this same history and refreshing changes nothing, the state is
  // already what a replay would give.
  const bool same = holdout_start_ == start && holdout_size_ == raw.size();
  if (core_->Refresh(start, y) || !same) Replay(start, y, -1);
  for (auto& e : errors_) {  // here: only the chosen model's
    std::sort(e.begin(), e.end());
    Compact(&e);
  }
}

void CalibratedModel::Compact(std::vector<double>* sorted) {
  // A long holdout keeps thousands of errors per horizon; serving thousands of series, those
  // would outweigh everything else a model holds. Its quantiles at steps of 1/128, interpolated
  // linearly as the full sample is, keep every quantile within one knot of the exact one.
  constexpr size_t kKnots = 129;
  if (sorted->size() <= kKnots) return;
  std::vector<double> knots(kKnots);
  for (size_t i = 0; i < kKnots; ++i)
    knots[i] = SortedQuantile(*sorted, static_cast<double>(i) / (kKnots - 1));
  *sorted = std::move(knots);
}

void CalibratedModel::Fit(double start, std::span<const double> history) {
  FitHoldout(start, history);
  FitFinal(start, history);
}

double CalibratedModel::ErrorQuantile(int k, double q) const {
  auto sample = [&](size_t g) -> const std::vector<double>* {
    return errors_.size() > g && errors_[g].size() >= 20 ? &errors_[g] : nullptr;
  };
  if (k >= lead_) {
    const auto* s = sample(horizons_.size() - 1);
    const double z = s ? SortedQuantile(*s, q) : 1.25 * NormalQuantile(q) * std::sqrt(lead_);
    return z * std::sqrt(static_cast<double>(k) / lead_);
  }
  const size_t hi = std::lower_bound(horizons_.begin(), horizons_.end(), k) - horizons_.begin();
  const auto* s_hi = sample(hi);
  if (!s_hi) return 1.25 * NormalQuantile(q) * std::sqrt(static_cast<double>(k));
  if (horizons_[hi] == k || hi == 0) return SortedQuantile(*s_hi, q);
  const auto* s_lo = sample(hi - 1);
  if (!s_lo) return SortedQuantile(*s_hi, q);
  const double f = static_cast<double>(k - horizons_[hi - 1]) / (horizons_[hi] - horizons_[hi - 1]);
  return (1 - f) * SortedQuantile(*s_lo, q) + f * SortedQuantile(*s_hi, q);
}

std::vector<ForecastPoint> CalibratedModel::Forecast(int h, double q) const {
  if (h <= 0) return {};
  q = std::clamp(std::isfinite(q) ? q : 0.5, 0.001, 0.999);
  if (static_cast<int>(path_.size()) < h) path_.resize(h);
  core_->PointPath(h, path_.data());
  std::vector<ForecastPoint> out(h);
  for (int k = 1; k <= h; ++k) {
    double core = path_[k - 1];
    if (!std::isfinite(core)) core = last_value_;
    core = std::max(0.0, core);
    const double scale = scale_.At(next_time_ + (k - 1) * step_);
    // The point forecast is the median of the predictive distribution (the core's forecast
    // shifted by the median error): it minimises the absolute error, e.g. for skewed counts.
    double median = core + ErrorQuantile(k, 0.5) * scale;
    median = std::isfinite(median) ? std::max(0.0, median) : core;
    double quantile = core + ErrorQuantile(k, q) * scale;
    if (q > 0.5) quantile = std::max(quantile, median + core_->EventSpread(k, q));
    out[k - 1] = {median, std::isfinite(quantile) ? std::max(0.0, quantile) : median};
  }
  return out;
}

}  // namespace prescale::forecasting
