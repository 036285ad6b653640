// The exponential smoothing family in additive error-correction form (Hyndman et al.,
// "Forecasting with Exponential Smoothing", 2008): simple (SES), damped trend (Holt) and damped
// trend with one additive seasonal of m buckets (Holt-Winters):
//   yhat = l + phi*b + s[t mod m],  e = y - yhat,
//   l <- l + phi*b + alpha*e,  b <- phi*b + beta*e,  s[t mod m] <- s[t mod m] + gamma*e.
// Parameters minimise the one-step absolute error on a recent window (Nelder-Mead): accuracy is
// judged by MAE, and absolute error keeps bursts from dragging the fit (counts are spiky).
#pragma once

#include <vector>

#include "forecasting/point_model.h"

namespace prescale::forecasting {

struct EtsParams {
  double alpha = 0.5;
  double beta = 0;   // 0 without trend
  double phi = 1;    // damping; 1 without trend
  double gamma = 0;  // 0 without season
};

class EtsCore final : public PointModel {
 public:
  // `season` in buckets; < 2 means none.
  EtsCore(bool trend, long season);

  // PointModel
  std::string name() const override;
  void FitParameters(double start_unix, std::span<const double> history) override;
  bool Refresh(double start_unix, std::span<const double> history) override;
  void Reset(double start_unix) override;
  void Observe(double value) override;
  void PointPath(int h, double* out) const override;
  double PointAt(int k) const override;
  std::unique_ptr<PointModel> Clone() const override;

  // For tests: fixes the parameters (and clears the initial seasonal state).
  void SetParams(const EtsParams& p) {
    params_ = p;
    damped_sums_.clear();
    initial_season_.clear();
  }
  const EtsParams& params() const { return params_; }

 private:
  // Sum of one-step absolute errors of `p` over `y`, from the heuristic initial state.
  double Sae(const EtsParams& p, std::span<const double> y) const;
  double DampedSum(int k) const;  // cached: calibration asks for the same k many times
  void InitSeason(std::span<const double> y, std::vector<double>* season) const;

  bool trend_;
  long m_;
  EtsParams params_;
  std::vector<double> initial_season_;
  mutable std::vector<double> damped_sums_;  // damped_sums_[k] = phi + ... + phi^k
  // Running state.
  double level_ = 0, slope_ = 0;
  std::vector<double> season_;
  long seen_ = 0;
};

}  // namespace prescale::forecasting
