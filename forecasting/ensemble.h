// A forecast combination: the equal-weight mean of several cores' point forecasts. Combining a
// short-term model with a seasonal one is often more accurate than either (Bates & Granger
// 1969; the M4 competition), because their errors are only partly correlated.
#pragma once

#include <memory>
#include <vector>

#include "forecasting/point_model.h"

namespace prescale::forecasting {

class EnsembleCore final : public PointModel {
 public:
  EnsembleCore(std::string name, std::vector<std::unique_ptr<PointModel>> members);
  EnsembleCore(const EnsembleCore& other);

  // PointModel
  std::string name() const override { return name_; }
  void FitParameters(double start_unix, std::span<const double> history) override;
  bool Refresh(double start_unix, std::span<const double> history) override;
  void Reset(double start_unix) override;
  void Observe(double value) override;
  void PointPath(int h, double* out) const override;
  double PointAt(int k) const override;
  // Up to the highest of the members' forecast plus spread, measured from the mean.
  double EventSpread(int k, double q) const override;
  std::unique_ptr<PointModel> Clone() const override;

 private:
  std::string name_;
  std::vector<std::unique_ptr<PointModel>> members_;
  mutable std::vector<double> scratch_;
};

}  // namespace prescale::forecasting
