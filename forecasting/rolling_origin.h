// Rolling-origin evaluation, as `prescale forecast-eval` runs it (docs/forecast-eval.md): the
// model is fitted on the first `train_points` buckets of a trace, then for every later origin o
// it forecasts bucket o + h - 1, having seen exactly the buckets before o, and is updated with
// bucket o. Errors are accumulated by AccuracyAccumulator.
//
// forecasting/ reads no clocks: the caller passes a Stopwatch to time the fit and the updates.
// Not thread-safe (the model is used in place).
#pragma once

#include "forecasting/accuracy.h"
#include "forecasting/model.h"
#include "forecasting/trace.h"

namespace prescale::forecasting {

class Stopwatch {
 public:
  virtual ~Stopwatch() = default;
  virtual double WallSeconds() const = 0;  // monotonic
  virtual double CpuSeconds() const = 0;   // of the calling thread
};

struct RollingOriginResult {
  AccuracyReport report;
  std::string model_name;  // after the fit, e.g. "auto(profile)"
  double fit_seconds = 0, fit_cpu_seconds = 0;
  double update_ns = 0;  // mean wall time per Update
};

// REQUIRES: 1 <= train_points and train_points + h - 1 < trace.values.size(); h >= 1.
RollingOriginResult EvaluateRollingOrigin(Model& model, const Trace& trace, long train_points,
                                          int h, double q, const Stopwatch& stopwatch);

}  // namespace prescale::forecasting
