#include "forecasting/ets.h"

#include <algorithm>
#include <cmath>

#include "forecasting/optimizer.h"

namespace prescale::forecasting {
namespace {

// Parameters are chosen on at most this many recent buckets (fit time stays bounded).
constexpr size_t kMaxFitWindow = 4000;

}  // namespace

EtsCore::EtsCore(bool trend, long season) : trend_(trend), m_(season >= 2 ? season : 0) {}

std::string EtsCore::name() const { return m_ ? "holt_winters" : trend_ ? "holt" : "ses"; }

// Classic heuristic: the mean deviation of each season position from its period's mean, over
// the complete periods of `y` (centred so the season sums to zero).
void EtsCore::InitSeason(std::span<const double> y, std::vector<double>* season) const {
  season->assign(static_cast<size_t>(m_), 0.0);
  const size_t m = static_cast<size_t>(m_);
  const size_t periods = y.size() / m;
  if (periods == 0) return;
  for (size_t p = 0; p < periods; ++p) {
    double mean = 0;
    for (size_t i = 0; i < m; ++i) mean += y[p * m + i];
    mean /= static_cast<double>(m);
    for (size_t i = 0; i < m; ++i) (*season)[i] += (y[p * m + i] - mean) / periods;
  }
}

double EtsCore::Sae(const EtsParams& p, std::span<const double> y) const {
  double level = y[0], sae = 0;
  if (!trend_ && !m_) {  // SES: the common case, kept to a two-operation dependency chain
    for (double v : y) {
      const double e = v - level;
      sae += std::abs(e);
      level += p.alpha * e;
    }
    return sae;
  }
  std::vector<double> season = initial_season_;
  if (m_) level -= season[0];
  double slope = 0;
  size_t phase = 0;
  for (double v : y) {
    const double seasonal = m_ ? season[phase] : 0.0;
    const double e = v - (level + p.phi * slope + seasonal);
    sae += std::abs(e);
    level += p.phi * slope + p.alpha * e;
    slope = p.phi * slope + p.beta * e;
    if (m_) {
      season[phase] += p.gamma * e;
      if (++phase == static_cast<size_t>(m_)) phase = 0;
    }
  }
  return sae;
}

void EtsCore::FitParameters(double, std::span<const double> history) {
  damped_sums_.clear();
  const size_t n = history.size();
  std::span<const double> window = history.subspan(n > kMaxFitWindow ? n - kMaxFitWindow : 0);
  if (m_) InitSeason(window, &initial_season_);
  if (window.size() < 3) return;
  if (!trend_ && !m_) {
    auto f = [&](double a) { return Sae({a, 0, 1, 0}, window); };
    params_.alpha = MinimizeGolden(f, 1e-4, 1.0, 14).x[0];
  } else {
    std::vector<Bounds> bounds = {{1e-4, 1.0}};
    std::vector<double> x0 = {0.3};
    if (trend_) bounds.push_back({0.0, 0.3}), bounds.push_back({0.8, 0.98});
    if (trend_) x0.push_back(0.01), x0.push_back(0.9);
    if (m_) bounds.push_back({0.0, 0.5}), x0.push_back(0.05);
    auto unpack = [&](const std::vector<double>& x) {
      EtsParams p{x[0], 0, 1, 0};
      if (trend_) p.beta = x[1], p.phi = x[2];
      if (m_) p.gamma = x.back();
      return p;
    };
    auto f = [&](const std::vector<double>& x) { return Sae(unpack(x), window); };
    params_ = unpack(MinimizeNelderMead(f, x0, bounds, 60 * static_cast<int>(x0.size()), 1e-4).x);
  }
  Refresh(0, history);
}

// The running state starts from the season seen at the beginning of the history.
bool EtsCore::Refresh(double, std::span<const double> history) {
  if (!m_) return false;
  InitSeason(history.first(std::min(history.size(), 3 * static_cast<size_t>(m_))),
             &initial_season_);
  return true;
}

void EtsCore::Reset(double) {
  season_ = initial_season_;
  if (m_ && season_.empty()) season_.assign(static_cast<size_t>(m_), 0.0);
  level_ = slope_ = 0;
  seen_ = 0;
}

void EtsCore::Observe(double y) {
  double* s = m_ ? &season_[static_cast<size_t>(seen_ % m_)] : nullptr;
  if (seen_ == 0) level_ = y - (s ? *s : 0.0);
  const double e = y - (level_ + params_.phi * slope_ + (s ? *s : 0.0));
  level_ += params_.phi * slope_ + params_.alpha * e;
  slope_ = params_.phi * slope_ + params_.beta * e;
  if (s) *s += params_.gamma * e;
  ++seen_;
}

void EtsCore::PointPath(int h, double* out) const {
  double damped = 0, phi_k = 1;
  for (int k = 1; k <= h; ++k) {
    phi_k *= params_.phi;
    damped += phi_k;
    const double s = m_ ? season_[static_cast<size_t>((seen_ + k - 1) % m_)] : 0.0;
    out[k - 1] = level_ + damped * slope_ + s;
  }
}

double EtsCore::DampedSum(int k) const {
  const double phi = params_.phi;
  if (phi == 1) return k;
  if (k > 4096) return phi * (1 - std::pow(phi, k)) / (1 - phi);
  if (damped_sums_.empty()) damped_sums_ = {0.0};
  for (double power = std::pow(phi, damped_sums_.size());
       static_cast<int>(damped_sums_.size()) <= k; power *= phi) {
    damped_sums_.push_back(damped_sums_.back() + power);
  }
  return damped_sums_[k];
}

double EtsCore::PointAt(int k) const {
  const double damped = DampedSum(k);  // phi + phi^2 + ... + phi^k
  const double s = m_ ? season_[static_cast<size_t>((seen_ + k - 1) % m_)] : 0.0;
  return level_ + damped * slope_ + s;
}

std::unique_ptr<PointModel> EtsCore::Clone() const { return std::make_unique<EtsCore>(*this); }

}  // namespace prescale::forecasting
