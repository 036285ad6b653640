#include "forecasting/profile_model.h"

#include <algorithm>
#include <cmath>

#include "forecasting/optimizer.h"

namespace prescale::forecasting {
namespace {

constexpr size_t kMaxFitWindow = 20000;  // buckets used to choose parameters
constexpr int kMaxEvaluations = 160;

int EventBefore(double step) { return std::clamp(static_cast<int>(std::ceil(300 / step)), 1, 60); }
int EventAfter(double step) { return std::clamp(static_cast<int>(std::ceil(1800 / step)), 1, 600); }

}  // namespace

ProfileCore::ProfileCore(const ProfileOptions& options) : step_(options.step_seconds) {
  std::vector<double> periods = options.periods_seconds;
  std::sort(periods.begin(), periods.end());
  for (double seconds : periods) {
    if (!(seconds >= 2 * step_)) continue;
    const int cap = periods_.empty() ? options.max_bins_first : options.max_bins_other;
    const int bins = static_cast<int>(std::min<double>(std::round(seconds / step_), cap));
    Period p;
    p.seconds = seconds, p.bins = bins, p.bin_width = seconds / bins;
    periods_.push_back(std::move(p));
  }
  for (const CronSchedule& schedule : options.events) {
    events_.push_back(
        Event{EventWindow(schedule, step_, EventBefore(step_), EventAfter(step_)), false, {}, {}});
  }
}

ProfileCore::BinPos ProfileCore::Locate(const Period& p, double t) const {
  double x = std::fmod(t + 0.5 * step_, p.seconds);
  if (x < 0) x += p.seconds;
  x = x / p.bin_width - 0.5;
  if (x < 0) x += p.bins;
  int b0 = static_cast<int>(x);
  const double w1 = x - b0;
  if (b0 >= p.bins) b0 -= p.bins;
  return {b0, b0 + 1 == p.bins ? 0 : b0 + 1, w1};
}

double ProfileCore::Seasonal(double t) const {
  double s = 0;
  for (const Period& p : periods_) {
    if (!p.active) continue;
    const BinPos pos = Locate(p, t);
    s += (1 - pos.w1) * p.value[pos.b0] + pos.w1 * p.value[pos.b1];
  }
  for (Event& e : events_) {
    if (!e.active) continue;
    const int i = e.window.IndexAt(t);
    if (i >= 0) s += e.value[i];
  }
  return s;
}

// Per-bin weighted means of what the shorter profiles leave unexplained, period by period, then
// per-offset means for events. Bins never visited stay 0.
void ProfileCore::InitialProfiles(double start, std::span<const double> y) {
  const double span = static_cast<double>(y.size()) * step_;
  double mean = 0;
  for (double v : y) mean += v;
  mean /= std::max<size_t>(1, y.size());
  std::vector<double> residual(y.begin(), y.end());
  for (double& r : residual) r -= mean;
  for (size_t c = 0; c < periods_.size(); ++c) {
    Period& p = periods_[c];
    p.active = span >= (c == 0 ? 1.0 : 2.0) * p.seconds;
    p.initial.assign(p.bins, 0.0);
    if (!p.active) continue;
    std::vector<double> weight(p.bins, 0.0);
    for (size_t i = 0; i < y.size(); ++i) {
      const BinPos pos = Locate(p, start + i * step_);
      p.initial[pos.b0] += (1 - pos.w1) * residual[i], weight[pos.b0] += 1 - pos.w1;
      p.initial[pos.b1] += pos.w1 * residual[i], weight[pos.b1] += pos.w1;
    }
    for (int b = 0; b < p.bins; ++b) p.initial[b] = weight[b] > 0 ? p.initial[b] / weight[b] : 0;
    for (size_t i = 0; i < y.size(); ++i) {
      const BinPos pos = Locate(p, start + i * step_);
      residual[i] -= (1 - pos.w1) * p.initial[pos.b0] + pos.w1 * p.initial[pos.b1];
    }
  }
  for (Event& e : events_) {
    e.initial.assign(e.window.size(), 0.0);
    std::vector<double> count(e.window.size(), 0.0);
    for (size_t i = 0; i < y.size(); ++i) {
      const int k = e.window.IndexAt(start + i * step_);
      if (k >= 0) e.initial[k] += residual[i], count[k] += 1;
    }
    e.active = false;
    for (int k = 0; k < e.window.size(); ++k) {
      if (count[k] > 0) e.initial[k] /= count[k], e.active = true;
    }
  }
}

void ProfileCore::Apply(const std::vector<double>& x) {
  size_t i = 0;
  params_.alpha = x[i++];
  params_.rho = x[i++];
  for (Period& p : periods_) p.gamma = p.active ? x[i++] : 0.0;
  bool any_event = false;
  for (const Event& e : events_) any_event |= e.active;
  params_.gamma_event = any_event ? x[i++] : 0.0;
}

// Chooses alpha, rho and the gammas on `window`. Bin positions and event offsets are computed
// once, so each objective evaluation is a tight loop over the window.
void ProfileCore::Optimize(double window_start, std::span<const double> y) {
  const size_t n = y.size();
  struct Slot {
    int b0, b1;
    float w1;
  };
  const size_t np = periods_.size(), ne = events_.size();
  std::vector<Slot> slots(n * np);
  std::vector<int> offsets(n * ne);
  for (size_t i = 0; i < n; ++i) {
    const double t = window_start + i * step_;
    for (size_t c = 0; c < np; ++c) {
      const BinPos pos = Locate(periods_[c], t);
      slots[i * np + c] = {pos.b0, pos.b1, static_cast<float>(pos.w1)};
    }
    for (size_t e = 0; e < ne; ++e) offsets[i * ne + e] = events_[e].window.IndexAt(t);
  }
  std::vector<std::vector<double>> pv(np), ev(ne);
  auto sae = [&](const std::vector<double>& x) {
    Apply(x);
    for (size_t c = 0; c < np; ++c) pv[c] = periods_[c].initial;
    for (size_t e = 0; e < ne; ++e) ev[e] = events_[e].initial;
    double level = 0, last = 0, total = 0;
    for (size_t i = 0; i < n; ++i) {
      double s = 0;
      for (size_t c = 0; c < np; ++c) {
        if (!periods_[c].active) continue;
        const Slot& sl = slots[i * np + c];
        s += (1 - sl.w1) * pv[c][sl.b0] + sl.w1 * pv[c][sl.b1];
      }
      for (size_t e = 0; e < ne; ++e) {
        const int k = offsets[i * ne + e];
        if (events_[e].active && k >= 0) s += ev[e][k];
      }
      if (i == 0) level = y[0] - s;
      const double err = y[i] - (level + s + params_.rho * last);
      total += std::abs(err);
      level += params_.alpha * err;
      last = err;
      for (size_t c = 0; c < np; ++c) {
        if (!periods_[c].active) continue;
        const Slot& sl = slots[i * np + c];
        const double g = periods_[c].gamma * err;
        pv[c][sl.b0] += g * (1 - sl.w1), pv[c][sl.b1] += g * sl.w1;
      }
      for (size_t e = 0; e < ne; ++e) {
        const int k = offsets[i * ne + e];
        if (events_[e].active && k >= 0) ev[e][k] += params_.gamma_event * err;
      }
    }
    return total;
  };
  std::vector<double> x0 = {0.3, 0.1};
  std::vector<Bounds> bounds = {{1e-3, 1.0}, {-0.5, 0.9}};
  for (const Period& p : periods_) {
    if (p.active) x0.push_back(0.01), bounds.push_back({0.0, 0.3});
  }
  bool any_event = false;
  for (const Event& e : events_) any_event |= e.active;
  if (any_event) x0.push_back(0.2), bounds.push_back({0.0, 1.0});
  Apply(MinimizeNelderMead(sae, x0, bounds, kMaxEvaluations).x);
}

void ProfileCore::FitParameters(double start, std::span<const double> history) {
  InitialProfiles(start, history);
  const size_t n = history.size();
  if (n < 3) return;
  const size_t skip = n > kMaxFitWindow ? n - kMaxFitWindow : 0;
  Optimize(start + skip * step_, history.subspan(skip));
}

void ProfileCore::Reset(double start) {
  for (Period& p : periods_) p.value = p.initial.empty() ? std::vector<double>(p.bins) : p.initial;
  for (Event& e : events_) {
    e.value = e.initial.empty() ? std::vector<double>(e.window.size()) : e.initial;
  }
  level_ = last_error_ = 0;
  next_time_ = start;
  seen_ = 0;
}

void ProfileCore::Observe(double y) {
  const double t = next_time_;
  const double s = Seasonal(t);
  if (seen_ == 0) level_ = y - s;
  const double err = y - (level_ + s + params_.rho * last_error_);
  level_ += params_.alpha * err;
  last_error_ = err;
  for (Period& p : periods_) {
    if (!p.active || p.gamma == 0) continue;
    const BinPos pos = Locate(p, t);
    p.value[pos.b0] += p.gamma * err * (1 - pos.w1);
    p.value[pos.b1] += p.gamma * err * pos.w1;
  }
  for (Event& e : events_) {
    if (!e.active) continue;
    const int k = e.window.IndexAt(t);
    if (k >= 0) e.value[k] += params_.gamma_event * err;
  }
  next_time_ += step_;
  ++seen_;
}

void ProfileCore::PointPath(int h, double* out) const {
  double ar = last_error_;
  for (int k = 1; k <= h; ++k) {
    ar *= params_.rho;
    out[k - 1] = level_ + Seasonal(next_time_ + (k - 1) * step_) + ar;
  }
}

std::unique_ptr<PointModel> ProfileCore::Clone() const {
  return std::make_unique<ProfileCore>(*this);
}

int ProfileCore::active_periods() const {
  int n = 0;
  for (const Period& p : periods_) n += p.active;
  return n;
}

int ProfileCore::active_events() const {
  int n = 0;
  for (const Event& e : events_) n += e.active;
  return n;
}

}  // namespace prescale::forecasting
