// The default core: a level with AR(1) error correction on top of coarse seasonal profiles at
// several periods (e.g. day and week) and event-aligned profiles for scheduled events:
//   yhat(t) = l + sum_c S_c(t) + sum_e E_e(t) + rho * e_prev
//   e = y - yhat;  l += alpha*e;  S_c bins += gamma_c*e (split by interpolation weight);
//   E_e[offset] += gamma_e*e;  e_prev = e.
// Events are rare, so their learned effect is uncertain: EventSpread gives the Student-t
// predictive half-width, t(q, n-1) * sd * sqrt(1 + 1/n), of the n occurrences' residuals at
// each offset, which the calibrated wrapper uses as a floor of the q-quantile's distance from
// the median there (e.g. three seen market opens of 2313, 1569 and 2370 trades give
// about +1000 at q = 0.9).
// A period of P seconds is held as at most a few hundred bins interpolated linearly, so a daily
// season on a 1 s step costs 288 numbers, not 86,400, and each update touches two bins.
// Profiles start from per-bin means of the fitting history (a day of history activates the
// first period, two periods activate longer ones); alpha, rho and the gammas minimise the
// one-step absolute error on a recent window (Nelder-Mead).
#pragma once

#include <vector>

#include "forecasting/calendar.h"
#include "forecasting/point_model.h"

namespace prescale::forecasting {

struct ProfileOptions {
  double step_seconds = 60;
  std::vector<double> periods_seconds;  // periods shorter than 2 steps are dropped
  std::vector<ScheduledEvent> events;   // already loaded
  int max_bins_first = 288;             // bins of the first (shortest) period
  int max_bins_other = 336;             // bins of longer periods
};

class ProfileCore final : public PointModel {
 public:
  explicit ProfileCore(const ProfileOptions& options);

  // PointModel
  std::string name() const override { return "profile"; }
  void FitParameters(double start_unix, std::span<const double> history) override;
  bool Refresh(double start_unix, std::span<const double> history) override;
  void Reset(double start_unix) override;
  void Observe(double value) override;
  void PointPath(int h, double* out) const override;
  double PointAt(int k) const override;
  std::unique_ptr<PointModel> Clone() const override;
  double EventSpread(int k, double q) const override;

  // For tests and diagnostics.
  int active_periods() const;
  int active_events() const;

 private:
  struct Period {
    double seconds = 0;
    int bins = 1;
    double bin_width = 0;
    bool active = false;
    double gamma = 0;
    std::vector<double> initial, value;
  };
  struct Event {
    EventWindow window;
    bool active = false;
    std::vector<double> initial, value;
    // Per offset: occurrences in the history of the last refresh, and the standard deviation
    // of their residuals (what the periodic profiles leave unexplained).
    std::vector<int> count;
    std::vector<double> sd;
  };
  struct BinPos {
    int b0, b1;
    double w1;  // weight of b1; b0 gets 1 - w1
  };
  struct Params {
    double alpha = 0.2, rho = 0, gamma_event = 0;
  };

  BinPos Locate(const Period& p, double t) const;
  double Seasonal(double t) const;  // sum of active profiles at the bucket starting at t
  void InitialProfiles(double start_unix, std::span<const double> history);
  void Optimize(double window_start, std::span<const double> window);
  void Apply(const std::vector<double>& x);
  double RhoPower(int k) const;  // rho^k, cached: calibration asks for the same k many times
  static constexpr int kMaxCachedPower = 4096;

  double step_;
  std::vector<Period> periods_;
  mutable std::vector<Event> events_;  // mutable: EventWindow caches occurrences on lookup
  mutable std::vector<double> rho_powers_;
  Params params_;
  // Running state.
  double level_ = 0, last_error_ = 0, next_time_ = 0;
  double next_seasonal_ = 0;  // Seasonal(next_time_), kept because every step needs it twice
  long seen_ = 0;
};

}  // namespace prescale::forecasting
