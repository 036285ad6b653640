// A small thread-safe map whose entries expire after a time to live, for the 10 s TokenReview and
// SubjectAccessReview caches. Bounded in memory whatever clients send: keys are stored as their
// SHA-256 (64 hex characters), so an entry costs the same for a 60 KiB path as for a short one;
// past `max_entries` the oldest entry goes, and entries expired for longer than
// `retain_after_expiry` are dropped as new ones arrive (until then GetStale still finds them).
// Values come from the kube-apiserver (users, decisions), not from clients.
#pragma once

#include <chrono>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "apiserver/digest.h"

namespace prescale::apiserver {

template <typename V>
class TtlCache {
 public:
  using Clock = std::chrono::steady_clock;

  explicit TtlCache(size_t max_entries = 10000,
                    Clock::duration retain_after_expiry = Clock::duration::zero())
      : max_entries_(max_entries), retain_(retain_after_expiry) {}

  // The value while its time to live lasts.
  std::optional<V> Get(std::string_view key, Clock::time_point now = Clock::now()) const {
    const std::string digest = Sha256Hex(key);
    std::lock_guard lock(mu_);
    const auto it = entries_.find(digest);
    if (it == entries_.end() || it->second.expires <= now) return std::nullopt;
    return it->second.value;
  }

  // The value of an entry expired less than `retain_after_expiry` ago.
  std::optional<V> GetStale(std::string_view key, Clock::time_point now = Clock::now()) const {
    const std::string digest = Sha256Hex(key);
    std::lock_guard lock(mu_);
    const auto it = entries_.find(digest);
    if (it == entries_.end() || it->second.expires > now || it->second.expires + retain_ <= now)
      return std::nullopt;
    return it->second.value;
  }

  void Erase(std::string_view key) {
    const std::string digest = Sha256Hex(key);
    std::lock_guard lock(mu_);
    const auto it = entries_.find(digest);
    if (it == entries_.end()) return;
    order_.erase(it->second.position);
    entries_.erase(it);
  }

  void Put(std::string_view key, V value, Clock::duration ttl,
           Clock::time_point now = Clock::now()) {
    if (ttl <= Clock::duration::zero()) return;
    std::string digest = Sha256Hex(key);
    std::lock_guard lock(mu_);
    auto it = entries_.find(digest);
    if (it != entries_.end()) {
      order_.erase(it->second.position);
      entries_.erase(it);
    }
    // Oldest first: drop the expired ones (one TTL per cache, so they lead), then make room.
    while (!order_.empty()) {
      const auto oldest = entries_.find(order_.front());
      if (entries_.size() < max_entries_ && oldest->second.expires + retain_ > now) break;
      entries_.erase(oldest);
      order_.pop_front();
    }
    order_.push_back(digest);
    entries_.emplace(std::move(digest),
                     Entry{std::move(value), now + ttl, std::prev(order_.end())});
  }

  size_t size() const {
    std::lock_guard lock(mu_);
    return entries_.size();
  }

 private:
  struct Entry {
    V value;
    Clock::time_point expires;
    std::list<std::string>::iterator position;
  };
  const size_t max_entries_;
  const Clock::duration retain_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // key: SHA-256 hex of the caller's key
  std::list<std::string> order_;                    // insertion order, oldest first
};

}  // namespace prescale::apiserver
