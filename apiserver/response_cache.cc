#include "apiserver/response_cache.h"

#include <array>

namespace prescale::apiserver {
namespace {

constexpr size_t kMaxCachedResponses = 1024;
constexpr size_t kMaxCachedBytes = 8 << 20;  // per thread and slot

}  // namespace

const std::string* ResponseCache::Find(const std::string& target) const {
  const auto it = bodies.find(target);
  return it == bodies.end() ? nullptr : &it->second;
}

void ResponseCache::Add(const std::string& target, const std::string& body) {
  bytes += target.size() + body.size();
  bodies.emplace(target, body);
}

ResponseCache& ThreadResponseCache(int slot, const void* owner, uint64_t generation) {
  thread_local std::array<ResponseCache, kResponseCacheSlots> caches;
  ResponseCache& cache = caches[static_cast<size_t>(slot)];
  if (cache.owner != owner || cache.generation != generation ||
      cache.bodies.size() >= kMaxCachedResponses || cache.bytes >= kMaxCachedBytes) {
    cache.owner = owner;
    cache.generation = generation;
    cache.bytes = 0;
    cache.bodies.clear();
  }
  return cache;
}

}  // namespace prescale::apiserver
