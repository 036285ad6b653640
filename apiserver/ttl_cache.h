// A small thread-safe map whose entries expire after a fixed time to live, for the 10 s
// TokenReview and SubjectAccessReview caches. Bounded: the oldest entries are dropped past
// `max_entries`.
#pragma once

#include <chrono>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace prescale::apiserver {

template <typename V>
class TtlCache {
 public:
  using Clock = std::chrono::steady_clock;

  explicit TtlCache(size_t max_entries = 10000) : max_entries_(max_entries) {}

  std::optional<V> Get(const std::string& key, Clock::time_point now = Clock::now()) const {
    std::lock_guard lock(mu_);
    const auto it = entries_.find(key);
    if (it == entries_.end() || it->second.expires <= now) return std::nullopt;
    return it->second.value;
  }

  void Put(const std::string& key, V value, Clock::duration ttl,
           Clock::time_point now = Clock::now()) {
    if (ttl <= Clock::duration::zero()) return;
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      order_.erase(it->second.position);
      entries_.erase(it);
    }
    while (entries_.size() >= max_entries_ && !order_.empty()) {
      entries_.erase(order_.front());
      order_.pop_front();
    }
    order_.push_back(key);
    entries_.emplace(key, Entry{std::move(value), now + ttl, std::prev(order_.end())});
  }

 private:
  struct Entry {
    V value;
    Clock::time_point expires;
    std::list<std::string>::iterator position;
  };
  const size_t max_entries_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> order_;  // insertion order, oldest first
};

}  // namespace prescale::apiserver
