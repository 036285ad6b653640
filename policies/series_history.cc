#include "policies/series_history.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace prescale::policies {

namespace {
constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();
}

SeriesHistory::SeriesHistory(int64_t capacity)
    : values_(static_cast<size_t>(std::max<int64_t>(1, capacity)), kMissing) {}

void SeriesHistory::Put(int64_t k, double value) {
  const float v = std::isfinite(value) ? static_cast<float>(value) : kMissing;
  const int64_t n = capacity();
  if (empty()) {
    first_ = last_ = k;
    Slot(k) = v;
  } else if (k > last_) {
    // Clear the slots skipped over (at most the whole ring).
    for (int64_t j = std::max(last_ + 1, k - n + 1); j < k; ++j) Slot(j) = kMissing;
    Slot(k) = v;
    last_ = k;
    first_ = std::max(first_, last_ - n + 1);
    if (last_present_ < first_) last_present_ = INT64_MIN;
  } else if (k >= first_) {
    Slot(k) = v;
  } else if (k > last_ - n) {  // older than the first bucket but still fits in the ring
    for (int64_t j = k + 1; j < first_; ++j) Slot(j) = kMissing;
    Slot(k) = v;
    first_ = k;
  } else {
    return;
  }
  if (std::isfinite(v) && k > last_present_) last_present_ = k;
  if (!std::isfinite(v) && k == last_present_) {
    last_present_ = INT64_MIN;
    for (int64_t j = k - 1; j >= first_; --j) {
      if (std::isfinite(Slot(j))) {
        last_present_ = j;
        break;
      }
    }
  }
}

double SeriesHistory::At(int64_t k) const {
  if (empty() || k < first_ || k > last_) return std::numeric_limits<double>::quiet_NaN();
  return Slot(k);
}

void SeriesHistory::Copy(int64_t from, int64_t to, std::vector<double>* out) const {
  out->clear();
  if (to < from) return;
  out->reserve(static_cast<size_t>(to - from + 1));
  for (int64_t k = from; k <= to; ++k) out->push_back(At(k));
}

}  // namespace prescale::policies
