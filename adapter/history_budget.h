// The process-wide budget of bytes of series history (serve's --max-history-bytes): every
// policy runner reserves a series' whole window (window steps x 4 bytes) before it allocates it,
// and releases it when the series expires or its runner goes. A series that does not fit is not
// created (the runner drops it and counts it), so the estimate is checked before any memory is
// taken, whatever the number of policies and series.
//
// Thread-safe (atomic); shared by the runners through a shared_ptr.
#pragma once

#include <atomic>
#include <cstddef>

namespace prescale::adapter {

class HistoryBudget {
 public:
  explicit HistoryBudget(size_t max_bytes) : max_(max_bytes) {}

  // Takes `bytes` from the budget; false (nothing taken) when they do not fit.
  bool TryReserve(size_t bytes);
  // Gives back what TryReserve took.
  void Release(size_t bytes) { used_.fetch_sub(bytes, std::memory_order_relaxed); }

  size_t used() const { return used_.load(std::memory_order_relaxed); }
  size_t max() const { return max_; }

  static constexpr size_t kDefaultMaxBytes = size_t{512} << 20;

 private:
  const size_t max_;
  std::atomic<size_t> used_{0};
};

}  // namespace prescale::adapter
