// Encoded list responses, per thread, for the provider generation they were computed at. HPAs
// ask the same question every sync period, so most requests between two refreshes are answered
// from here without parsing selectors or encoding again. Per thread: no locks, no sharing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace prescale::apiserver {

struct ResponseCache {
  const void* owner = nullptr;
  uint64_t generation = 0;
  size_t bytes = 0;
  std::unordered_map<std::string, std::string> bodies;  // key: the request target

  // The body cached for `target`, or nullptr.
  const std::string* Find(const std::string& target) const;
  void Add(const std::string& target, const std::string& body);
};

// The calling thread's cache number `slot` (0: external metrics, 1: custom metrics), emptied
// when `owner` or `generation` changed or when it holds too much (1024 bodies, 8 MiB).
inline constexpr int kResponseCacheSlots = 2;
ResponseCache& ThreadResponseCache(int slot, const void* owner, uint64_t generation);

}  // namespace prescale::apiserver
