// Derivative-free minimisation for model parameters: Nelder-Mead on a box, deterministic.
// Pure and thread-safe.
#pragma once

#include <functional>
#include <vector>

namespace prescale::forecasting {

struct Bounds {
  double lo;
  double hi;
};

struct OptimizeResult {
  std::vector<double> x;
  double value = 0;
  int evaluations = 0;
};

// Minimises `f` over the box `bounds` (one entry per parameter) starting from `x0` (clamped into
// the box). Parameters are mapped through a logistic transform so the simplex never leaves the
// box. Stops after `max_evaluations` or when the simplex's values agree to `relative_tolerance`.
// `f` must return a finite value for every point of the box; non-finite values count as +inf.
OptimizeResult MinimizeNelderMead(const std::function<double(const std::vector<double>&)>& f,
                                  std::vector<double> x0, const std::vector<Bounds>& bounds,
                                  int max_evaluations = 200, double relative_tolerance = 1e-7);

// Golden-section search of a one-dimensional function on [lo, hi].
OptimizeResult MinimizeGolden(const std::function<double(double)>& f, double lo, double hi,
                              int max_evaluations = 40);

}  // namespace prescale::forecasting
