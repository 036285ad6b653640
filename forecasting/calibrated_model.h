// CalibratedModel: the wrapper that turns any PointModel core into a public Model, with
// prediction intervals from the empirical distribution of its past forecast errors (scaled by
// ErrorScale).
//
// Errors are normalised by a scale: an exponentially weighted mean absolute one-step error kept
// per hour of the day (UTC) once that hour has enough data, globally before. At Fit, the core's
// parameters come from the first three quarters of the history; it is then replayed over all
// of it and, at up to 1,500 origins in the last quarter (out of sample), its errors at a
// geometric grid of horizons up to K (K = the lead hint) are divided by the scale at their
// target time. The q-quantile forecast for k steps is core + Q_k(q) * scale(target), where Q_k
// is the empirical quantile of those normalised errors (interpolated between grid horizons;
// beyond K it grows like sqrt(k / K)), and the point forecast is core + Q_k(0.5) * scale, the
// predictive median. So intervals are calibrated per horizon and widen and narrow with the
// time of day. Inside the window of a scheduled event the core knows, the q-quantile is at
// least the median plus the core's EventSpread: the few past occurrences of an event say more
// about its uncertainty than the errors pooled over the hour.
#pragma once

#include <array>
#include <memory>
#include <vector>

#include "forecasting/model.h"
#include "forecasting/point_model.h"

namespace prescale::forecasting {

// EWMA of absolute one-step errors per hour of the day. Copyable, not thread-safe.
class ErrorScale {
 public:
  explicit ErrorScale(double step_seconds);
  void Reset();
  void Observe(double bucket_start, double abs_error, double abs_value);
  // The scale for the bucket starting at `t`; > 0.
  double At(double bucket_start) const;

 private:
  int Bin(double t) const;
  bool by_hour_;
  std::array<double, 24> value_{};
  std::array<long, 24> count_{};
  double global_ = 0, magnitude_ = 0;
  long global_count_ = 0;
  double hour_start_ = 1;  // the hour whose bin is cached (1 never starts an hour)
  int hour_bin_ = 0;
};

// Forecast errors of a core at origins in the later part of its fitting history, in units of
// the core's mean absolute error (and of the naive forecast's, for model selection).
struct CalibrationScore {
  long origins = 0;
  double mae_first = 0, naive_first = 0;  // 1 step ahead
  double mae_lead = 0, naive_lead = 0;    // K steps ahead
};

class CalibratedModel final : public Model {
 public:
  // `lead_steps` >= 1: the horizon up to which intervals are calibrated (capped at 1024).
  CalibratedModel(std::unique_ptr<PointModel> core, double step_seconds, int lead_steps);
  CalibratedModel(const CalibratedModel& other);

  // Model
  std::string name() const override { return core_->name(); }
  void Fit(double start_unix, std::span<const double> history) override;
  void Update(double value) override;
  std::vector<ForecastPoint> Forecast(int h, double q) const override;
  std::unique_ptr<Model> Clone() const override;

  // Fit in two phases (Fit runs both): FitHoldout fits the parameters on the first three
  // quarters of the history (unless `fit_parameters` is false: the core comes fitted) and
  // measures out-of-sample errors on the last quarter (intervals and score()); FitFinal
  // recomputes the data-derived initial state (seasonal profiles) on all of it, keeping the
  // parameters, and runs the state to its end.
  void FitHoldout(double start_unix, std::span<const double> history, bool fit_parameters = true);
  void FitFinal(double start_unix, std::span<const double> history);

  const PointModel& core() const { return *core_; }
  // A new unfitted model with the same step and lead around `core`.
  std::unique_ptr<CalibratedModel> WithCore(std::unique_ptr<PointModel> core) const {
    return std::make_unique<CalibratedModel>(std::move(core), step_, lead_);
  }
  const CalibrationScore& score() const { return score_; }

 private:
  static std::vector<double> Clean(std::span<const double> raw);
  // Replaces a long sorted sample by 129 of its quantiles (bounded memory per model).
  static void Compact(std::vector<double>* sorted);
  // Runs the core and the scale from `start` over y; records errors at origins >= first_origin
  // (none if first_origin <= 0).
  void Replay(double start, const std::vector<double>& y, long first_origin);
  double Sanitize(double value) const;
  void Observe(double value);
  // Normalised error quantile for k steps ahead.
  double ErrorQuantile(int k, double q) const;

  std::unique_ptr<PointModel> core_;
  double step_;
  int lead_;
  std::vector<int> horizons_;                // calibrated horizons, ascending, last == lead_
  std::vector<std::vector<double>> errors_;  // sorted normalised errors per calibrated horizon
  CalibrationScore score_;
  ErrorScale scale_;
  double holdout_start_ = 0;  // what the last FitHoldout replayed
  size_t holdout_size_ = static_cast<size_t>(-1);
  double next_time_ = 0, last_value_ = 0;
  long seen_ = 0;
  mutable std::vector<double> path_;  // scratch for forecasts; no allocation per update
};

}  // namespace prescale::forecasting
