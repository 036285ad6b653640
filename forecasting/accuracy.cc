#include "forecasting/accuracy.h"

#include <cmath>

namespace prescale::forecasting {
namespace {

std::optional<double> Ratio(double num, double den) {
  if (!(den > 0) || !std::isfinite(num / den)) return std::nullopt;
  return num / den;
}

}  // namespace

void AccuracyAccumulator::Add(double actual, double mean, double q_forecast, double naive,
                              std::optional<double> seasonal_naive) {
  ++n_;
  const double error = actual - mean;
  abs_error_ += std::abs(error);
  naive_error_ += std::abs(actual - naive);
  if (seasonal_naive) {
    seasonal_error_ += std::abs(actual - *seasonal_naive);
  } else {
    seasonal_complete_ = false;
  }
  const double denominator = std::abs(actual) + std::abs(mean);
  if (denominator > 0) smape_ += 2 * std::abs(error) / denominator, ++smape_terms_;
  const double q_error = actual - q_forecast;
  covered_ += actual <= q_forecast;
  pinball_ += q_error >= 0 ? q_ * q_error : (q_ - 1) * q_error;
}

AccuracyReport AccuracyAccumulator::Finish(double scale) const {
  AccuracyReport r;
  r.points = n_;
  r.quantile = q_;
  if (n_ == 0) return r;
  const double n = static_cast<double>(n_);
  r.mae = abs_error_ / n;
  r.mase = Ratio(r.mae, scale);
  r.rel_naive = Ratio(abs_error_, naive_error_);
  if (seasonal_complete_) r.rel_seasonal_naive = Ratio(abs_error_, seasonal_error_);
  if (smape_terms_ > 0) r.smape = 100 * smape_ / static_cast<double>(smape_terms_);
  r.coverage = static_cast<double>(covered_) / n;
  r.pinball = pinball_ / n;
  return r;
}

double MeanAbsoluteChange(std::span<const double> v) {
  if (v.size() < 2) return 0;
  double sum = 0;
  for (size_t i = 1; i < v.size(); ++i) sum += std::abs(v[i] - v[i - 1]);
  return sum / static_cast<double>(v.size() - 1);
}

}  // namespace prescale::forecasting
