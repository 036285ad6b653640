#include "adapter/history_fetch.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace prescale::adapter {
namespace {

bool Shrinks(const PrometheusError& e) {
  return e.reason == PrometheusError::Reason::kTimeout ||
         e.reason == PrometheusError::Reason::kTooLarge;
}

}  // namespace

std::variant<std::vector<FetchedSeries>, PrometheusError> FetchHistory(
    PrometheusClient& client, const HistoryQuery& q,
    const std::function<void(size_t, size_t)>& progress) {
  // Buckets k with k * step >= from and (k + 1) * step <= to; the sample of bucket k is
  // evaluated at (k + 1) * step.
  const auto first = static_cast<int64_t>(std::ceil(q.from / q.step - 1e-9));
  const auto last = static_cast<int64_t>(std::floor(q.to / q.step + 1e-9)) - 1;
  std::map<apiserver::Labels, std::vector<double>> values;
  if (last < first) return std::vector<FetchedSeries>{};
  const auto buckets = static_cast<size_t>(last - first + 1);
  int chunk = std::clamp(q.chunk_points, 16, kMaxPointsPerQuery);
  for (int64_t k = first; k <= last;) {
    const int64_t upto = std::min(last, k + chunk - 1);
    QueryResult result = client.QueryRange(q.query, static_cast<double>(k + 1) * q.step,
                                           static_cast<double>(upto + 1) * q.step, q.step);
    if (auto* e = std::get_if<PrometheusError>(&result)) {
      if (Shrinks(*e) && chunk > 16) {
        chunk = std::max(16, chunk / 2);
        continue;
      }
      return *e;
    }
    for (const Series& s : std::get<std::vector<Series>>(result)) {
      std::vector<double>& v = values[s.labels];
      if (v.empty()) v.assign(buckets, 0.0);
      for (const Sample& sample : s.samples) {
        const int64_t bucket = std::llround(sample.time / q.step) - 1;
        if (bucket < k || bucket > upto || !std::isfinite(sample.value) || sample.value < 0)
          continue;
        v[static_cast<size_t>(bucket - first)] = sample.value;
      }
    }
    k = upto + 1;
    if (progress) progress(static_cast<size_t>(k - first), buckets);
  }
  std::vector<FetchedSeries> out;
  for (auto& [labels, v] : values) {
    if (out.size() >= q.max_series) break;
    out.push_back({labels, {static_cast<double>(first) * q.step, q.step, std::move(v)}});
  }
  return out;
}

}  // namespace prescale::adapter
