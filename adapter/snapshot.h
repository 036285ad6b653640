// The immutable snapshot of everything prescale serves, and the holder through which the
// refresh loop publishes it. Like a LevelDB snapshot, a Snapshot never changes once built, so
// any number of request threads read it without synchronization; the writer builds the next one
// aside and publishes it with one pointer swap.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "apiserver/provider.h"
#include "policies/described_object.h"

namespace prescale::adapter {

// Which namespaces may read a metric: the policy's `namespaces` and `namespace_label`.
struct Visibility {
  std::vector<std::string> namespaces;  // sorted; "*": every namespace
  std::string namespace_label;          // a series is visible to the namespace this label names

  bool Open() const { return namespaces.empty() && namespace_label.empty(); }
  // Whether namespace `ns` may see any series of the metric (else the metric is not found).
  bool Readable(std::string_view ns) const;
  // Whether it may see the series with `labels`.
  bool Visible(std::string_view ns, const apiserver::Labels& labels) const;
};

// The series of one object a metric describes in the custom metrics API: indexes into the
// metric's `values`, in their order.
struct ObjectSeries {
  std::string ns;  // empty for cluster-scoped objects
  std::string name;
  std::vector<size_t> series;
};

struct ServedMetric {
  enum class State {
    kOk,      // values are served
    kNoData,  // nothing fetched yet: 503
    kStale,   // data older than the policy's max_staleness: 503
  };
  std::string name;
  std::string policy;
  State state = State::kNoData;
  std::string unavailable_reason;                      // for kNoData and kStale, the Status message
  std::vector<apiserver::ExternalMetricValue> values;  // sorted by labels
  Visibility visibility;
  // The object the series describe (the policy's `object`), and, filled by the Snapshot, the
  // series of each object sorted by (namespace, name). A series whose labels lack the name or
  // namespace label, or hold an invalid one, describes no object.
  std::optional<policies::DescribedObject> object;
  std::vector<ObjectSeries> objects;
};

class Snapshot {
 public:
  // Takes the metrics, sorts their series, precomputes each item's JSON and groups the series
  // by described object. `complete` is false
  // while the initial history is still being loaded.
  Snapshot(std::chrono::system_clock::time_point built_at, std::vector<ServedMetric> metrics,
           bool complete);

  // nullptr when no metric has that name.
  const ServedMetric* Find(std::string_view name) const;
  const std::map<std::string, ServedMetric, std::less<>>& metrics() const { return metrics_; }
  std::chrono::system_clock::time_point built_at() const { return built_at_; }
  bool complete() const { return complete_; }

 private:
  std::chrono::system_clock::time_point built_at_;
  std::map<std::string, ServedMetric, std::less<>> metrics_;
  bool complete_;
};

// Publishes snapshots to request threads. Current() is wait-free while no new snapshot has been
// published since the calling thread's previous call (it reuses a thread-local reference);
// after a publish, each thread takes a mutex once to pick the new snapshot up.
// Threads that must react to a publish (e.g. gRPC streams that push changed answers) block in
// WaitForNewerThan(); Publish() wakes them all.
class SnapshotHolder {
 public:
  SnapshotHolder();

  // Null until the first Publish().
  std::shared_ptr<const Snapshot> Current() const;
  void Publish(std::shared_ptr<const Snapshot> snapshot);
  uint64_t version() const { return version_.load(std::memory_order_acquire); }

  // Blocks until version() > `version` (returns the new version), or until `stop` is requested
  // or `deadline` passes (returns version() as it is then, possibly still <= `version`). A stop
  // request wakes the waiter at once, with no lost wake-up, which is how a waiting thread is
  // shut down. Any number of threads may wait; Publish() wakes all of them.
  uint64_t WaitForNewerThan(uint64_t version, std::stop_token stop,
                            std::chrono::steady_clock::time_point deadline =
                                std::chrono::steady_clock::time_point::max()) const;

 private:
  const uint64_t id_;  // distinguishes holders in the thread-local cache
  std::atomic<uint64_t> version_{0};
  mutable std::mutex mu_;
  std::shared_ptr<const Snapshot> current_;        // guarded by mu_
  mutable std::condition_variable_any published_;  // with mu_: signalled by Publish()
};

}  // namespace prescale::adapter
