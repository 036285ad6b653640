#include "forecasting/optimizer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace prescale::forecasting {
namespace {

// Logistic map from the real line into (lo, hi), and its inverse.
double ToBox(double z, const Bounds& b) { return b.lo + (b.hi - b.lo) / (1.0 + std::exp(-z)); }
double FromBox(double x, const Bounds& b) {
  const double width = b.hi - b.lo;
  const double p = std::clamp((x - b.lo) / width, 1e-6, 1.0 - 1e-6);
  return std::log(p / (1.0 - p));
}

double Safe(double v) { return std::isfinite(v) ? v : std::numeric_limits<double>::infinity(); }

}  // namespace

OptimizeResult MinimizeNelderMead(const std::function<double(const std::vector<double>&)>& f,
                                  std::vector<double> x0, const std::vector<Bounds>& bounds,
                                  int max_evaluations, double relative_tolerance) {
  const size_t n = bounds.size();
  OptimizeResult result;
  std::vector<double> x(n);
  auto eval = [&](const std::vector<double>& z) {
    for (size_t i = 0; i < n; ++i) x[i] = ToBox(z[i], bounds[i]);
    ++result.evaluations;
    return Safe(f(x));
  };
  std::vector<std::vector<double>> simplex(n + 1, std::vector<double>(n));
  for (size_t i = 0; i < n; ++i) simplex[0][i] = FromBox(x0[i], bounds[i]);
  for (size_t j = 1; j <= n; ++j) {
    simplex[j] = simplex[0];
    simplex[j][j - 1] += simplex[0][j - 1] > 0 ? -1.0 : 1.0;
  }
  std::vector<double> values(n + 1);
  for (size_t j = 0; j <= n; ++j) values[j] = eval(simplex[j]);
  std::vector<size_t> order(n + 1);
  std::vector<double> centroid(n), trial(n), trial2(n);
  auto point = [&](double t, const std::vector<double>& worst, std::vector<double>* out) {
    for (size_t i = 0; i < n; ++i) (*out)[i] = centroid[i] + t * (worst[i] - centroid[i]);
  };
  while (result.evaluations < max_evaluations) {
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return values[a] < values[b]; });
    const size_t best = order.front(), worst = order.back(), second = order[n - 1];
    const double spread = std::abs(values[worst] - values[best]);
    if (spread <= relative_tolerance * (std::abs(values[best]) + 1e-300)) break;
    std::fill(centroid.begin(), centroid.end(), 0.0);
    for (size_t j : order) {
      if (j == worst) continue;
      for (size_t i = 0; i < n; ++i) centroid[i] += simplex[j][i] / static_cast<double>(n);
    }
    point(-1.0, simplex[worst], &trial);
    const double reflected = eval(trial);
    if (reflected < values[best]) {
      point(-2.0, simplex[worst], &trial2);
      const double expanded = eval(trial2);
      if (expanded < reflected) {
        simplex[worst] = trial2, values[worst] = expanded;
      } else {
        simplex[worst] = trial, values[worst] = reflected;
      }
    } else if (reflected < values[second]) {
      simplex[worst] = trial, values[worst] = reflected;
    } else {
      const bool outside = reflected < values[worst];
      point(outside ? -0.5 : 0.5, simplex[worst], &trial2);
      const double contracted = eval(trial2);
      if (contracted < std::min(reflected, values[worst])) {
        simplex[worst] = trial2, values[worst] = contracted;
      } else {
        for (size_t j = 0; j <= n; ++j) {  // shrink towards the best vertex
          if (j == best) continue;
          for (size_t i = 0; i < n; ++i) {
            simplex[j][i] = simplex[best][i] + 0.5 * (simplex[j][i] - simplex[best][i]);
          }
          values[j] = eval(simplex[j]);
        }
      }
    }
  }
  const size_t best =
      static_cast<size_t>(std::min_element(values.begin(), values.end()) - values.begin());
  result.x.resize(n);
  for (size_t i = 0; i < n; ++i) result.x[i] = ToBox(simplex[best][i], bounds[i]);
  result.value = values[best];
  return result;
}

OptimizeResult MinimizeGolden(const std::function<double(double)>& f, double lo, double hi,
                              int max_evaluations) {
  const double ratio = (std::sqrt(5.0) - 1.0) / 2.0;
  OptimizeResult result;
  double a = lo, b = hi;
  double c = b - ratio * (b - a), d = a + ratio * (b - a);
  double fc = Safe(f(c)), fd = Safe(f(d));
  result.evaluations = 2;
  while (result.evaluations < max_evaluations) {
    if (fc <= fd) {
      b = d, d = c, fd = fc;
      c = b - ratio * (b - a);
      fc = Safe(f(c));
    } else {
      a = c, c = d, fc = fd;
      d = a + ratio * (b - a);
      fd = Safe(f(d));
    }
    ++result.evaluations;
  }
  result.x = {fc <= fd ? c : d};
  result.value = std::min(fc, fd);
  return result;
}

}  // namespace prescale::forecasting
