// The one forecasting model interface, and the factory that builds models from a ModelSpec.
//
// Lifecycle: MakeModel(spec) -> Fit(start, history) once -> any sequence of Update(value) (one
// per new bucket, in time order) and Forecast(h, q). Refit (on a Clone, in the background if
// you like) from time to time, e.g. hourly: parameters and the model choice of "auto" are
// chosen only in Fit, and the cold-start chain (observed value -> short-term model -> daily
// season -> weekly season) advances as refits see more history. A refitted copy has seen
// exactly the history it was fitted on: Update it with the buckets that arrived meanwhile
// before swapping it in.
//
// Contract shared by every model:
// - Input: values are demand per bucket on the spec's fixed step. NaN/Inf are a missing
//   bucket: Update advances time with the model's own one-step forecast, Fit repeats the
//   previous value. Negative values are clamped to 0. Neither is an error.
// - Output: never NaN or Inf; never negative (demand is non-negative). With no history at all
//   every forecast is 0.
// - Deterministic: the same spec and the same calls give bit-identical forecasts (no clocks,
//   no randomness, no threads).
// - Threading: not thread-safe; one owner. Clone() gives an independent deep copy, so a
//   refit can run on a copy and be swapped in.
// - Cost: Update is O(1) amortised (~100-200 ns; it allocates only when an event calendar
//   refills its week of occurrences); Forecast(h, q) is O(h); Fit is linear in the history
//   length (about 1 us per bucket; parameters are optimised on a bounded recent window).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "forecasting/calendar.h"

namespace prescale::forecasting {

struct ModelSpec {
  // "auto" (the default: picks among candidates by out-of-sample error, see auto_model.h) or
  // one of KnownModelNames(): "naive", "seasonal_naive" (the value one first-period ago),
  // "ses", "holt" (damped trend), "holt_winters" (damped trend + classic seasonal of the first
  // period), "profile" (level + AR(1) + coarse multi-period seasonal profiles + event-aligned
  // profiles, see profile_core.h), "ses+profile" (the mean of the two).
  std::string model = "auto";
  double step_seconds = 60;  // bucket width, > 0
  // Seasonal periods in seconds, e.g. {86400, 604800}. Empty: no seasonality. Periods shorter
  // than two steps are ignored.
  std::vector<double> seasonality_seconds = {86400, 604800};
  std::vector<EventSpec> events;  // scheduled events whose profiles the model learns
  // Hint: the forecast horizon that matters most (e.g. the policy's lead). "auto" scores
  // candidates at 1 step and at this horizon, and prediction intervals are calibrated up to it.
  double lead_seconds = 60;
};

// One step of a forecast path.
struct ForecastPoint {
  // The point forecast (>= 0): the median of the predictive distribution, which minimises the
  // expected absolute error (for the baselines and with too little history to calibrate, the
  // model's own forecast).
  double mean = 0;
  double quantile = 0;  // the requested q-quantile (>= 0)
};

class Model {
 public:
  virtual ~Model() = default;

  // The model's name; for "auto" the chosen candidate, e.g. "auto(profile)".
  virtual std::string name() const = 0;

  // Discards all state and fits on `history`: bucket i starts at `start_unix + i * step`.
  // An empty or short history is fine (cold start).
  virtual void Fit(double start_unix, std::span<const double> history) = 0;

  // Appends the next bucket (the one right after the last seen). O(1) amortised.
  virtual void Update(double value) = 0;

  // Forecast of the next `h` buckets (element k-1 is k steps after the last seen bucket), with
  // the q-quantile of each. h <= 0 gives an empty vector; q is clamped to [0.001, 0.999].
  virtual std::vector<ForecastPoint> Forecast(int h, double q) const = 0;

  virtual std::unique_ptr<Model> Clone() const = 0;
};

struct ModelError {
  std::string message;  // e.g. `unknown model "foo" (known: auto, naive, ...)`
};

// Builds an unfitted model. Errors: unknown model name, step <= 0 or not finite, an event whose
// schedule or time zone does not parse (the message names the event and the field).
std::variant<std::unique_ptr<Model>, ModelError> MakeModel(const ModelSpec& spec);

// "auto" followed by every named model, in the order above.
std::vector<std::string> KnownModelNames();
// The same, joined: "auto, naive, ...".
std::string KnownModelList();
// `unknown model "NAME" (known: auto, naive, ...)`: the error of MakeModel and check-config.
std::string UnknownModelMessage(const std::string& name);

}  // namespace prescale::forecasting
