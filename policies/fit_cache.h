// Fitted models shared by the pipelines of policies that differ only in what does not enter a fit
// (quantile, scale_down_hold, the backtest section): `prescale tune` runs the same series under
// many such policies, and a refit on the same window gives the same model whatever the policy's
// quantile. Not used by serve.
//
// An entry is keyed by the fit's bucket, its window's first bucket and a 64-bit hash of the
// window's values, and holds the fitted model and the recurring events learned on that window.
// Thread-safe: pipelines on several threads share one cache; a miss computed twice at once
// stores the same result.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <tuple>
#include <vector>

#include "forecasting/calendar.h"
#include "forecasting/model.h"

namespace prescale::policies {

class FitCache {
 public:
  struct Key {
    int64_t bucket = 0, from = 0;
    uint64_t hash = 0;
    auto operator<=>(const Key&) const = default;
  };
  struct Fit {
    std::vector<forecasting::EventSpec> learned;
    std::shared_ptr<const forecasting::Model> model;  // fitted; callers Clone() it
  };

  // At most `max_entries` fits are kept; later ones are computed but not stored.
  explicit FitCache(size_t max_entries = 20000) : max_entries_(max_entries) {}

  static Key KeyOf(int64_t bucket, int64_t from, std::span<const double> window);

  std::optional<Fit> Find(const Key& key) const;
  void Put(const Key& key, Fit fit);
  uint64_t hits() const;

 private:
  mutable std::mutex mu_;
  std::map<Key, Fit> fits_;
  size_t max_entries_;
  mutable uint64_t hits_ = 0;
};

}  // namespace prescale::policies
