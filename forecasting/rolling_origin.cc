#include "forecasting/rolling_origin.h"

#include <cmath>
#include <optional>

namespace prescale::forecasting {

RollingOriginResult EvaluateRollingOrigin(Model& model, const Trace& trace, long train_points,
                                          int h, double q, const Stopwatch& stopwatch) {
  const std::vector<double>& y = trace.values;
  const long n = static_cast<long>(y.size());
  const long season = std::lround(86400.0 / trace.step_seconds);
  RollingOriginResult r;
  const double wall_start = stopwatch.WallSeconds();
  const double cpu_start = stopwatch.CpuSeconds();
  model.Fit(trace.start_unix, std::span<const double>(y.data(), train_points));
  r.fit_cpu_seconds = stopwatch.CpuSeconds() - cpu_start;
  r.fit_seconds = stopwatch.WallSeconds() - wall_start;
  r.model_name = model.name();
  AccuracyAccumulator acc(q);
  double update_seconds = 0;
  long updates = 0;
  for (long o = train_points; o + h - 1 < n; ++o) {
    const ForecastPoint f = model.Forecast(h, q).back();
    const long target = o + h - 1;
    const std::optional<double> seasonal =
        target - season >= 0 ? std::optional<double>(y[target - season]) : std::nullopt;
    acc.Add(y[target], f.mean, f.quantile, y[o - 1], seasonal);
    const double t0 = stopwatch.WallSeconds();
    model.Update(y[o]);
    update_seconds += stopwatch.WallSeconds() - t0;
    ++updates;
  }
  r.report = acc.Finish(MeanAbsoluteChange(std::span<const double>(y.data(), train_points)));
  r.update_ns = updates ? update_seconds * 1e9 / static_cast<double>(updates) : 0;
  return r;
}

}  // namespace prescale::forecasting
