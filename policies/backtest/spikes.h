// Spike onsets and how early each strategy was ready for them (docs/backtest.md).
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace prescale::policies {

// A spike onset is a bucket start t where required(t) >= 1.5 x the maximum of `required` over
// the previous 10 minutes and exceeds it by at least 5 pods; onsets within 10 minutes of an
// earlier one merge into it. `required[i]` belongs to the bucket starting at i * step (seconds
// from the trace start).
struct SpikeOnset {
  size_t bucket = 0;
  int required_before = 0;  // max of `required` over the previous 10 minutes
};
std::vector<SpikeOnset> FindSpikeOnsets(std::span<const int> required, double step_seconds);

// The lead of a strategy for a spike at second `onset` needing `required` ready pods, given its
// ready pods per second: onset minus the first second in [onset - 10m, onset] from which ready
// pods cover `required` without interruption up to the onset; if not covered at the onset, onset
// minus the first later second (up to onset + 10m) at which they do. Positive: ready before;
// nullopt: missed. Ready pods are compared with the clamped requirement, so demand above
// max_replicas x capacity does not make every strategy miss.
std::optional<int64_t> SpikeLead(std::span<const int> ready_per_second, int64_t onset,
                                 int required);

// Median of leads, a missed spike counting as -600 s (the search bound); nullopt if empty.
std::optional<double> MedianLead(std::span<const std::optional<int64_t>> leads);

}  // namespace prescale::policies
