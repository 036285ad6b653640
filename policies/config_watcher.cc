#include "policies/config_watcher.h"

#include "common/read_file.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>

#include "common/log.h"

namespace prescale::policies {

ConfigWatcher::ConfigWatcher(std::string path, std::shared_ptr<const Config> initial,
                             OnConfig on_config, OnError on_error, Duration poll_interval)
    : path_(std::move(path)),
      on_config_(std::move(on_config)),
      on_error_(std::move(on_error)),
      poll_interval_(poll_interval),
      current_(std::move(initial)) {}

ConfigWatcher::~ConfigWatcher() { Stop(); }

void ConfigWatcher::Start() {
  {
    std::lock_guard lock(check_mu_);
    if (current_ != nullptr) {
      // The caller already runs on this content: remember it without delivering it again.
      if (auto content = ReadFile(path_)) {
        last_content_ = std::move(*content);
        seen_any_ = true;
      }
    }
  }
  if (current() == nullptr) CheckNow();
  thread_ = std::thread([this] { Loop(); });
}

void ConfigWatcher::Stop() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ConfigWatcher::Loop() {
  constexpr Duration kMaxBackoff = std::chrono::minutes(1);
  Duration wait = poll_interval_;
  std::unique_lock lock(stop_mu_);
  while (!stop_cv_.wait_for(lock, wait, [this] { return stopping_; })) {
    lock.unlock();
    const uint64_t before = exceptions_.load();
    CheckNow();
    wait = exceptions_.load() == before ? poll_interval_ : std::min(wait * 2, kMaxBackoff);
    lock.lock();
  }
}

bool ConfigWatcher::CheckNow() {
  std::lock_guard lock(check_mu_);
  std::string what;
  try {
    return Check();
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "unknown exception";
  }
  // Nothing was applied: try the same content again at the next poll.
  seen_any_ = false;
  failures_.fetch_add(1);
  exceptions_.fetch_add(1);
  log::Error("policy file check failed; keeping the last good configuration",
             {{"file", path_}, {"error", what}});
  if (on_error_) {
    try {
      on_error_({ConfigError{path_, 0, 0, "", "internal error: " + what}});
    } catch (const std::exception& e) {
      log::Error("policy file error report failed", {{"file", path_}, {"error", e.what()}});
    } catch (...) {
      log::Error("policy file error report failed", {{"file", path_}});
    }
  }
  return false;
}

bool ConfigWatcher::Check() {
  std::optional<std::string> content = ReadFile(path_);
  if (!content) {
    // Transient during some updates; report once, keep the last good configuration.
    if (!last_unreadable_) {
      log::Warn("policy file unreadable; keeping the last good configuration", {{"file", path_}});
      last_unreadable_ = true;
    }
    return false;
  }
  last_unreadable_ = false;
  if (seen_any_ && *content == last_content_) return false;
  seen_any_ = true;
  last_content_ = *content;

  LoadResult result = ParseConfig(*content, path_);
  if (!result.config) {
    failures_.fetch_add(1);
    for (const ConfigError& e : result.errors) {
      log::Error("policy file rejected; keeping the last good configuration",
                 {{"file", path_}, {"error", e.ToString()}});
    }
    if (on_error_) on_error_(result.errors);
    return false;
  }
  auto config = std::make_shared<const Config>(std::move(*result.config));
  // Delivered first: a configuration whose delivery throws never becomes current().
  if (on_config_) on_config_(config);
  {
    std::lock_guard current_lock(current_mu_);
    current_ = config;
  }
  reloads_.fetch_add(1);
  log::Info("policy file reloaded",
            {{"file", path_}, {"policies", static_cast<int64_t>(config->policies.size())}});
  return true;
}

std::shared_ptr<const Config> ConfigWatcher::current() const {
  std::lock_guard lock(current_mu_);
  return current_;
}

}  // namespace prescale::policies
