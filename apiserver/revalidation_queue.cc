#include "apiserver/revalidation_queue.h"

#include "common/log.h"

namespace prescale::apiserver {

RevalidationQueue::RevalidationQueue(size_t max_queued)
    : max_queued_(max_queued), thread_([this](std::stop_token stop) { Run(stop); }) {}

RevalidationQueue::~RevalidationQueue() {
  thread_.request_stop();
  wake_.notify_all();
}  // thread_ joins here, before the members it uses go

RevalidationQueue::Submitted RevalidationQueue::Submit(const std::string& key,
                                                       std::function<void()> job) {
  {
    std::lock_guard lock(mu_);
    if (keys_.count(key)) return Submitted::kAlreadyQueued;
    if (queue_.size() >= max_queued_) return Submitted::kQueueFull;
    keys_.insert(key);
    queue_.emplace_back(key, std::move(job));
  }
  wake_.notify_one();
  return Submitted::kQueued;
}

void RevalidationQueue::Run(std::stop_token stop) {
  std::unique_lock lock(mu_);
  while (wake_.wait(lock, stop, [this] { return !queue_.empty(); }) && !stop.stop_requested()) {
    auto [key, job] = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    try {
      job();
    } catch (const std::exception& e) {
      log::Error("a background re-review failed", {{"error", e.what()}});
    }
    lock.lock();
    keys_.erase(key);
  }
}

}  // namespace prescale::apiserver
