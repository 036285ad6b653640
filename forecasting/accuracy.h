// Forecast accuracy measures as docs/forecast-eval.md defines them for `prescale forecast-eval`:
// MAE, MASE, MAE relative to the naive and seasonal-naive forecasts on the same points, sMAPE,
// coverage and pinball loss of a quantile forecast. A measure whose denominator is zero or
// missing is nullopt (printed as JSON null). Pure; an accumulator is not thread-safe.
#pragma once

#include <optional>
#include <span>

namespace prescale::forecasting {

struct AccuracyReport {
  long points = 0;
  double mae = 0;
  std::optional<double> mase;
  std::optional<double> rel_naive;
  std::optional<double> rel_seasonal_naive;  // nullopt unless every point had a seasonal naive
  std::optional<double> smape;               // percent; nullopt if every term was skipped
  double quantile = 0;
  double coverage = 0;  // fraction of actuals <= the q-forecast
  double pinball = 0;
};

class AccuracyAccumulator {
 public:
  explicit AccuracyAccumulator(double quantile) : q_(quantile) {}

  // One evaluated forecast. `seasonal_naive` is nullopt when a season of history is lacking.
  void Add(double actual, double mean, double q_forecast, double naive,
           std::optional<double> seasonal_naive);

  // `scale` is the MASE denominator (mean absolute one-step change of the training part).
  AccuracyReport Finish(double scale) const;

 private:
  double q_;
  long n_ = 0, smape_terms_ = 0, covered_ = 0;
  double abs_error_ = 0, naive_error_ = 0, seasonal_error_ = 0, smape_ = 0, pinball_ = 0;
  bool seasonal_complete_ = true;
};

// Mean absolute difference between consecutive values; 0 for fewer than two values.
double MeanAbsoluteChange(std::span<const double> values);

}  // namespace prescale::forecasting
