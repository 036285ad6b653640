#include "policies/backtest/spikes.h"

#include <algorithm>
#include <cmath>
#include <deque>

namespace prescale::policies {
namespace {

constexpr int64_t kWindowSeconds = 600;

}  // namespace

std::vector<SpikeOnset> FindSpikeOnsets(std::span<const int> required, double step_seconds) {
  std::vector<SpikeOnset> onsets;
  // Sliding maximum of `required` over buckets starting in [t - 10m, t).
  std::deque<size_t> window;  // indices, values decreasing
  std::optional<double> last_onset;
  for (size_t i = 0; i < required.size(); ++i) {
    const double t = static_cast<double>(i) * step_seconds;
    while (!window.empty() &&
           static_cast<double>(window.front()) * step_seconds < t - kWindowSeconds) {
      window.pop_front();
    }
    if (!window.empty() && t >= kWindowSeconds) {
      const int before = required[window.front()];
      const bool spike = required[i] >= 1.5 * before && required[i] - before >= 5;
      // A spike within 10 minutes of the last onset merges into it.
      if (spike && (!last_onset || t - *last_onset >= kWindowSeconds)) {
        onsets.push_back({i, before});
        last_onset = t;
      }
    }
    while (!window.empty() && required[window.back()] <= required[i]) window.pop_back();
    window.push_back(i);
  }
  return onsets;
}

std::optional<int64_t> SpikeLead(std::span<const int> ready, int64_t onset, int required) {
  const auto size = static_cast<int64_t>(ready.size());
  if (onset < 0 || onset >= size) return std::nullopt;
  auto covered = [&](int64_t s) { return ready[s] >= required; };
  if (covered(onset)) {
    int64_t from = onset;
    const int64_t bound = std::max<int64_t>(0, onset - kWindowSeconds);
    while (from > bound && covered(from - 1)) --from;
    return onset - from;
  }
  const int64_t bound = std::min(size - 1, onset + kWindowSeconds);
  for (int64_t s = onset + 1; s <= bound; ++s) {
    if (covered(s)) return onset - s;
  }
  return std::nullopt;
}

std::optional<double> MedianLead(std::span<const std::optional<int64_t>> leads) {
  if (leads.empty()) return std::nullopt;
  std::vector<double> v;
  for (const auto& l : leads) v.push_back(l ? static_cast<double>(*l) : -kWindowSeconds);
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace prescale::policies
