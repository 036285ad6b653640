// Internal: the point-forecast core that every named model implements. CalibratedModel
// (calibrated_model.h) wraps a core with input sanitising, prediction intervals and output clamping
// to make a public Model. Not thread-safe; cores are plain copyable values behind Clone().
#pragma once

#include <memory>
#include <span>
#include <string>

namespace prescale::forecasting {

class PointModel {
 public:
  virtual ~PointModel() = default;

  virtual std::string name() const = 0;

  // Chooses parameters (and initial seasonal state) from `history`, whose bucket i starts at
  // `start_unix + i * step`. Values are finite and >= 0. Leaves the running state unspecified:
  // callers follow with Reset and Observe.
  virtual void FitParameters(double start_unix, std::span<const double> history) = 0;

  // Recomputes what the initial state learns from data (e.g. seasonal profiles) from `history`,
  // keeping the parameters; returns false if the core has no such state (nothing changed).
  // FitParameters includes it.
  virtual bool Refresh(double start_unix, std::span<const double> history) { return false; }

  // Forgets all observations, keeping parameters; the next observed bucket starts at `start_unix`.
  virtual void Reset(double start_unix) = 0;

  // Consumes the next bucket (finite, >= 0). O(1) amortised, no allocation in steady state.
  virtual void Observe(double value) = 0;

  // Writes point forecasts for 1..h steps ahead to out[0..h-1]; h >= 1. May be negative or
  // large; the caller clamps.
  virtual void PointPath(int h, double* out) const = 0;

  // The forecast k >= 1 steps ahead alone, equal to PointPath(k)[k - 1] up to rounding. O(1)
  // for every core, so calibration can look far ahead cheaply.
  virtual double PointAt(int k) const = 0;

  // For the bucket k >= 1 steps ahead, when it lies in the window of a scheduled event the core
  // models: how far above the point forecast its q-quantile (q > 0.5) lies, judging by how
  // much the event's past occurrences varied at that offset (a small-sample predictive
  // interval). 0 outside events, with fewer than two occurrences, or for q <= 0.5.
  virtual double EventSpread(int k, double q) const { return 0; }

  virtual std::unique_ptr<PointModel> Clone() const = 0;
};

}  // namespace prescale::forecasting
