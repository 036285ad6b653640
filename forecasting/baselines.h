// Baseline cores used in every report: naive (the last observed value) and seasonal naive (the
// value one season earlier, falling back to naive until a full season has been seen).
#pragma once

#include <vector>

#include "forecasting/point_model.h"

namespace prescale::forecasting {

class NaiveCore final : public PointModel {
 public:
  // PointModel
  std::string name() const override { return "naive"; }
  void FitParameters(double, std::span<const double>) override {}
  void Reset(double) override { last_ = 0; }
  void Observe(double value) override { last_ = value; }
  void PointPath(int h, double* out) const override;
  double PointAt(int) const override { return last_; }
  std::unique_ptr<PointModel> Clone() const override;

 private:
  double last_ = 0;
};

class SeasonalNaiveCore final : public PointModel {
 public:
  // `period` in buckets, >= 1.
  explicit SeasonalNaiveCore(long period);
  // PointModel
  std::string name() const override { return "seasonal_naive"; }
  void FitParameters(double, std::span<const double>) override {}
  void Reset(double) override;
  void Observe(double value) override;
  void PointPath(int h, double* out) const override;
  double PointAt(int k) const override;
  std::unique_ptr<PointModel> Clone() const override;

 private:
  long period_;
  std::vector<double> ring_;  // the last `period_` values; ring_[seen_ % period_] is the oldest
  long seen_ = 0;
  double last_ = 0;
};

}  // namespace prescale::forecasting
