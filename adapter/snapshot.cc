#include "adapter/snapshot.h"

#include <algorithm>

#include "apiserver/api_types.h"
#include "common/names.h"

namespace prescale::adapter {
namespace {

// A fixed value, or the value of `label` in `labels` ("" when absent).
std::string FixedOrLabel(const std::string& fixed, const std::string& label,
                         const apiserver::Labels& labels) {
  if (!fixed.empty() || label.empty()) return fixed;
  const auto it = labels.find(label);
  return it == labels.end() ? "" : it->second;
}

std::vector<ObjectSeries> GroupByObject(const policies::DescribedObject& object,
                                        const std::vector<apiserver::ExternalMetricValue>& values) {
  std::map<std::pair<std::string, std::string>, std::vector<size_t>> groups;
  for (size_t i = 0; i < values.size(); ++i) {
    std::string ns = FixedOrLabel(object.ns, object.namespace_label, values[i].labels);
    std::string name = FixedOrLabel(object.name, object.name_label, values[i].labels);
    if (object.namespaced() && !IsDns1123Label(ns)) continue;
    if (!IsDns1123Subdomain(name)) continue;
    groups[{std::move(ns), std::move(name)}].push_back(i);
  }
  std::vector<ObjectSeries> out;
  out.reserve(groups.size());
  for (auto& [key, series] : groups) out.push_back({key.first, key.second, std::move(series)});
  return out;
}

}  // namespace

Snapshot::Snapshot(std::chrono::system_clock::time_point built_at,
                   std::vector<ServedMetric> metrics, bool complete)
    : built_at_(built_at), complete_(complete) {
  for (ServedMetric& m : metrics) {
    std::sort(m.values.begin(), m.values.end(),
              [](const auto& a, const auto& b) { return a.labels < b.labels; });
    for (apiserver::ExternalMetricValue& v : m.values)
      v.json = apiserver::EncodeExternalMetricValue(v);
    m.objects.clear();
    if (m.object) m.objects = GroupByObject(*m.object, m.values);
    std::string name = m.name;
    metrics_.emplace(std::move(name), std::move(m));
  }
}

bool Visibility::Readable(std::string_view ns) const {
  if (Open() || !namespace_label.empty()) return true;
  return std::binary_search(namespaces.begin(), namespaces.end(), "*") ||
         std::binary_search(namespaces.begin(), namespaces.end(), ns);
}

bool Visibility::Visible(std::string_view ns, const apiserver::Labels& labels) const {
  if (Open() || std::binary_search(namespaces.begin(), namespaces.end(), "*") ||
      std::binary_search(namespaces.begin(), namespaces.end(), ns))
    return true;
  if (namespace_label.empty()) return false;
  const auto it = labels.find(namespace_label);
  return it != labels.end() && it->second == ns;
}

const ServedMetric* Snapshot::Find(std::string_view name) const {
  const auto it = metrics_.find(name);
  return it == metrics_.end() ? nullptr : &it->second;
}

namespace {
std::atomic<uint64_t> next_holder_id{1};

struct ThreadCache {
  uint64_t holder_id = 0;
  uint64_t version = 0;
  std::shared_ptr<const Snapshot> snapshot;
};
thread_local ThreadCache thread_cache;
}  // namespace

SnapshotHolder::SnapshotHolder() : id_(next_holder_id.fetch_add(1)) {}

std::shared_ptr<const Snapshot> SnapshotHolder::Current() const {
  const uint64_t version = version_.load(std::memory_order_acquire);
  ThreadCache& cache = thread_cache;
  if (cache.holder_id == id_ && cache.version == version) return cache.snapshot;
  std::lock_guard lock(mu_);
  cache.holder_id = id_;
  cache.version = version_.load(std::memory_order_relaxed);
  cache.snapshot = current_;
  return cache.snapshot;
}

void SnapshotHolder::Publish(std::shared_ptr<const Snapshot> snapshot) {
  {
    std::lock_guard lock(mu_);
    current_ = std::move(snapshot);
    version_.fetch_add(1, std::memory_order_release);
  }
  published_.notify_all();
}

uint64_t SnapshotHolder::WaitForNewerThan(uint64_t version, std::stop_token stop,
                                          std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock lock(mu_);
  const auto newer = [&] { return version_.load(std::memory_order_relaxed) > version; };
  if (deadline == std::chrono::steady_clock::time_point::max()) {
    published_.wait(lock, stop, newer);
  } else {
    published_.wait_until(lock, stop, deadline, newer);
  }
  return version_.load(std::memory_order_relaxed);
}

}  // namespace prescale::adapter
