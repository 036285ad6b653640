// Background re-reviews of cached answers that have just expired (stale-while-revalidate): one
// thread, a bounded queue, at most one job per key queued or running. A caller that was allowed
// a moment ago keeps its stale answer while this thread asks again, so neither a slow review
// endpoint nor a queue filled by other callers makes it wait or refuses it.
//
// Thread-safe. The destructor stops the thread after the job that is running (a review ends at
// its own deadline); queued jobs are dropped.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <utility>

namespace prescale::apiserver {

class RevalidationQueue {
 public:
  explicit RevalidationQueue(size_t max_queued);
  ~RevalidationQueue();
  RevalidationQueue(const RevalidationQueue&) = delete;
  RevalidationQueue& operator=(const RevalidationQueue&) = delete;

  enum class Submitted { kQueued, kAlreadyQueued, kQueueFull };
  // Queues `job` unless a job for `key` is queued or running, or the queue is full.
  Submitted Submit(const std::string& key, std::function<void()> job);

 private:
  void Run(std::stop_token stop);

  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable_any wake_;
  std::deque<std::pair<std::string, std::function<void()>>> queue_;  // guarded by mu_
  std::unordered_set<std::string> keys_;  // guarded by mu_: queued or running
  std::jthread thread_;                   // last: starts after the members it uses
};

}  // namespace prescale::apiserver
