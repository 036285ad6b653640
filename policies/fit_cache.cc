#include "policies/fit_cache.h"

#include <cstring>

namespace prescale::policies {

FitCache::Key FitCache::KeyOf(int64_t bucket, int64_t from, std::span<const double> window) {
  uint64_t h = 1469598103934665603ULL ^ window.size();
  for (double v : window) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    for (int i = 0; i < 8; ++i, bits >>= 8) h = (h ^ (bits & 0xff)) * 1099511628211ULL;
  }
  return {bucket, from, h};
}

std::optional<FitCache::Fit> FitCache::Find(const Key& key) const {
  const std::lock_guard lock(mu_);
  const auto it = fits_.find(key);
  if (it == fits_.end()) return std::nullopt;
  ++hits_;
  return it->second;
}

void FitCache::Put(const Key& key, Fit fit) {
  const std::lock_guard lock(mu_);
  if (fits_.size() < max_entries_) fits_.emplace(key, std::move(fit));
}

uint64_t FitCache::hits() const {
  const std::lock_guard lock(mu_);
  return hits_;
}

}  // namespace prescale::policies
