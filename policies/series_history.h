// The recent history of one series on its policy's step grid: bucket k covers
// [k * step, (k + 1) * step) (Unix seconds) and holds the sample Prometheus evaluated at the
// bucket's end, (k + 1) * step (a `rate(x[1m])` at T describes the window ending at T). A ring
// buffer of floats, so memory is fixed at 4 bytes per bucket of the window whatever happens: the
// window slides forward as newer buckets arrive, and buckets older than the window are dropped.
//
// Threading: not thread-safe; owned by one series pipeline.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace prescale::policies {

class SeriesHistory {
 public:
  // Keeps the last `capacity` buckets (>= 1).
  explicit SeriesHistory(int64_t capacity);

  // Stores bucket `k`. A newer bucket slides the window (buckets skipped over read as missing);
  // a bucket within the window overwrites (a late scrape changed it); one older than the
  // window is dropped. Non-finite values are stored as missing.
  void Put(int64_t k, double value);

  // NaN when bucket `k` is missing or outside the window.
  double At(int64_t k) const;

  bool empty() const { return last_ < first_; }
  // Oldest and newest bucket of the window (meaningless while empty()).
  int64_t first() const { return first_; }
  int64_t last() const { return last_; }
  // Newest bucket that holds a value; INT64_MIN if none.
  int64_t last_present() const { return last_present_; }
  int64_t capacity() const { return static_cast<int64_t>(values_.size()); }

  // Copies buckets [from, to] into *out (missing ones as NaN).
  void Copy(int64_t from, int64_t to, std::vector<double>* out) const;

 private:
  float& Slot(int64_t k) { return values_[static_cast<size_t>(Mod(k))]; }
  float Slot(int64_t k) const { return values_[static_cast<size_t>(Mod(k))]; }
  int64_t Mod(int64_t k) const {
    const int64_t n = static_cast<int64_t>(values_.size());
    return ((k % n) + n) % n;
  }

  std::vector<float> values_;
  int64_t first_ = 0;
  int64_t last_ = -1;
  int64_t last_present_ = INT64_MIN;
};

}  // namespace prescale::policies
