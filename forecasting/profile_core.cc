#include "forecasting/profile_core.h"

#include <algorithm>
#include <cmath>

#include "forecasting/optimizer.h"
#include "forecasting/quantiles.h"

namespace prescale::forecasting {
namespace {

constexpr size_t kMaxFitWindow = 4000;  // buckets used to choose parameters
constexpr int kMaxEvaluations = 100;
constexpr double kTolerance = 3e-3;  // relative; finer changes of the mean error do not matter

// The buckets of an event's window the profile learns: its before/after, at least one bucket
// each way, at most 60 before and 600 after (bounded memory and fitting time).
int EventBefore(const ScheduledEvent& e, double step) {
  return std::clamp(static_cast<int>(std::ceil(e.before_seconds() / step - 1e-9)), 1, 60);
}
int EventAfter(const ScheduledEvent& e, double step) {
  return std::clamp(static_cast<int>(std::ceil(e.after_seconds() / step - 1e-9)), 1, 600);
}

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
  for (const ScheduledEvent& event : options.events) {
    events_.push_back(
        Event{EventWindow(event, step_, EventBefore(event, step_), EventAfter(event, step_)),
              false,
              {},
              {},
              {},
              {}});
  }
}

ProfileCore::BinPos ProfileCore::Locate(const Period& p, double t) const {
  const double centre = t + 0.5 * step_;
  double x = centre - std::floor(centre / p.seconds) * p.seconds;  // phase; cheaper than fmod
  x = x / p.bin_width - 0.5;
  if (x < 0) x += p.bins;
  int b0 = std::min(static_cast<int>(x), 2 * p.bins - 1);
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
    const auto size = static_cast<size_t>(e.window.size());
    e.initial.assign(size, 0.0), e.count.assign(size, 0), e.sd.assign(size, 0.0);
    std::vector<double> squares(size, 0.0);
    for (size_t i = 0; i < y.size(); ++i) {
      const int k = e.window.IndexAt(start + i * step_);
      if (k < 0) continue;
      e.initial[k] += residual[i], squares[k] += residual[i] * residual[i], ++e.count[k];
    }
    e.active = false;
    for (size_t k = 0; k < size; ++k) {
      const double n = e.count[k];
      if (n == 0) continue;
      e.initial[k] /= n, e.active = true;
      const double ss = squares[k] - n * e.initial[k] * e.initial[k];
      if (n >= 2) e.sd[k] = std::sqrt(std::max(0.0, ss) / (n - 1));
    }
  }
}

void ProfileCore::Apply(const std::vector<double>& x) {
  rho_powers_.clear();
  size_t i = 0;
  params_.alpha = x[i++];
  params_.rho = x[i++];
  for (Period& p : periods_) p.gamma = p.active ? x[i++] : 0.0;
  bool any_event = false;
  for (const Event& e : events_) any_event |= e.active;
  params_.gamma_event = any_event ? x[i++] : 0.0;
}

// Chooses alpha, rho and the gammas on `window`. Every profile value lives in one flat array
// and each bucket's reads are precomputed as "taps" (two bins and a weight, or one event
// offset), so each objective evaluation is a tight loop over the window.
void ProfileCore::Optimize(double window_start, std::span<const double> y) {
  struct Tap {
    int i0, i1;     // indices into the flat profile array
    float w1;       // weight of i1
    int component;  // index into the gamma array
  };
  std::vector<double> initial;  // all active profiles, concatenated
  std::vector<Tap> taps;
  std::vector<size_t> first_tap(y.size() + 1, 0);
  std::vector<int> period_base(periods_.size(), -1), event_base(events_.size(), -1);
  for (size_t c = 0; c < periods_.size(); ++c) {
    if (!periods_[c].active) continue;
    period_base[c] = static_cast<int>(initial.size());
    initial.insert(initial.end(), periods_[c].initial.begin(), periods_[c].initial.end());
  }
  for (size_t e = 0; e < events_.size(); ++e) {
    if (!events_[e].active) continue;
    event_base[e] = static_cast<int>(initial.size());
    initial.insert(initial.end(), events_[e].initial.begin(), events_[e].initial.end());
  }
  for (size_t i = 0; i < y.size(); ++i) {
    const double t = window_start + i * step_;
    int component = 0;
    for (size_t c = 0; c < periods_.size(); ++c) {
      if (period_base[c] < 0) continue;
      const BinPos pos = Locate(periods_[c], t);
      taps.push_back({period_base[c] + pos.b0, period_base[c] + pos.b1, static_cast<float>(pos.w1),
                      component++});
    }
    for (size_t e = 0; e < events_.size(); ++e) {
      if (event_base[e] < 0) continue;
      const int k = events_[e].window.IndexAt(t);
      if (k >= 0) taps.push_back({event_base[e] + k, event_base[e] + k, 0.0f, component});
    }
    first_tap[i + 1] = taps.size();
  }
  std::vector<double> x0 = {0.3, 0.1};
  std::vector<Bounds> bounds = {{1e-3, 1.0}, {-0.5, 0.9}};
  for (const Period& p : periods_) {
    if (p.active) x0.push_back(0.01), bounds.push_back({0.0, 0.3});
  }
  bool any_event = false;
  for (const Event& e : events_) any_event |= e.active;
  if (any_event) x0.push_back(0.2), bounds.push_back({0.0, 1.0});
  std::vector<double> values;
  auto sae = [&](const std::vector<double>& x) {
    const double alpha = x[0], rho = x[1];
    const double* gamma = x.data() + 2;
    values = initial;
    double level = 0, last = 0, total = 0;
    for (size_t i = 0; i < y.size(); ++i) {
      double s = 0;
      for (size_t j = first_tap[i]; j < first_tap[i + 1]; ++j) {
        const Tap& tap = taps[j];
        s += (1 - tap.w1) * values[tap.i0] + tap.w1 * values[tap.i1];
      }
      if (i == 0) level = y[0] - s;
      const double err = y[i] - (level + s + rho * last);
      total += std::abs(err);
      level += alpha * err;
      last = err;
      for (size_t j = first_tap[i]; j < first_tap[i + 1]; ++j) {
        const Tap& tap = taps[j];
        const double g = gamma[tap.component] * err;
        values[tap.i0] += g * (1 - tap.w1);
        values[tap.i1] += g * tap.w1;
      }
    }
    return total;
  };
  const int evaluations = std::min(kMaxEvaluations, 25 * static_cast<int>(x0.size() + 1));
  Apply(MinimizeNelderMead(sae, x0, bounds, evaluations, kTolerance).x);
}

void ProfileCore::FitParameters(double start, std::span<const double> history) {
  InitialProfiles(start, history);
  const size_t n = history.size();
  if (n < 3) return;
  const size_t skip = n > kMaxFitWindow ? n - kMaxFitWindow : 0;
  Optimize(start + skip * step_, history.subspan(skip));
}

bool ProfileCore::Refresh(double start, std::span<const double> history) {
  InitialProfiles(start, history);  // a period that becomes active here keeps gamma 0 until refit
  return active_periods() > 0 || active_events() > 0;
}

void ProfileCore::Reset(double start) {
  for (Period& p : periods_) p.value = p.initial.empty() ? std::vector<double>(p.bins) : p.initial;
  for (Event& e : events_) {
    e.value = e.initial.empty() ? std::vector<double>(e.window.size()) : e.initial;
  }
  level_ = last_error_ = 0;
  next_time_ = start;
  seen_ = 0;
  next_seasonal_ = Seasonal(next_time_);
}

void ProfileCore::Observe(double y) {
  const double t = next_time_;
  const double s = next_seasonal_;
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
  next_seasonal_ = Seasonal(next_time_);
}

void ProfileCore::PointPath(int h, double* out) const {
  double ar = last_error_;
  for (int k = 1; k <= h; ++k) {
    ar *= params_.rho;
    out[k - 1] = level_ + (k == 1 ? next_seasonal_ : Seasonal(next_time_ + (k - 1) * step_)) + ar;
  }
}

double ProfileCore::PointAt(int k) const {
  const double s = k == 1 ? next_seasonal_ : Seasonal(next_time_ + (k - 1) * step_);
  return level_ + s + RhoPower(k) * last_error_;
}

double ProfileCore::RhoPower(int k) const {
  if (k > kMaxCachedPower) return std::pow(params_.rho, k);
  if (rho_powers_.empty()) rho_powers_.push_back(1.0);
  while (static_cast<int>(rho_powers_.size()) <= k) {
    rho_powers_.push_back(rho_powers_.back() * params_.rho);
  }
  return rho_powers_[k];
}

std::unique_ptr<PointModel> ProfileCore::Clone() const {
  return std::make_unique<ProfileCore>(*this);
}

double ProfileCore::EventSpread(int k, double q) const {
  if (!(q > 0.5)) return 0;
  const double t = next_time_ + (k - 1) * step_;
  double spread = 0;
  for (Event& e : events_) {
    if (!e.active) continue;
    const int i = e.window.IndexAt(t);
    if (i < 0 || e.count[i] < 2) continue;
    const double n = e.count[i];
    spread = std::max(spread, StudentQuantile(q, n - 1) * e.sd[i] * std::sqrt(1 + 1 / n));
  }
  return spread;
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
