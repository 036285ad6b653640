// Hot reload of the policy file. A Kubernetes ConfigMap volume updates by an atomic swap of the
// `..data` symlink, so the watcher re-opens the path (following symlinks afresh) every poll and
// compares the whole content with the last content it saw: a symlink swap, an in-place write
// and an editor's rename are all seen, and an unchanged file is never re-parsed.
//
// On new content that parses, `on_config` receives the new Config and it becomes current(). On
// new content that does not, every problem is logged as `FILE:LINE:COLUMN: field: message`,
// `on_error` receives them, and current() keeps the last good Config. The same bad content is
// reported once, not every poll.
//
// Exceptions (std::bad_alloc while parsing, or thrown by `on_config` while applying the new
// configuration) never escape CheckNow() nor end the thread: they are logged at error level,
// counted in failures() and exceptions(), reported through `on_error` as one error without a
// position ("internal error: ..."), and the last good Config stays current(). The same content
// is tried again at the next poll; the background thread backs off (doubling the poll interval
// per consecutive exception, up to one minute) meanwhile.
//
// Threading: callbacks run on the watcher's own thread (or on the caller's thread inside
// CheckNow), one at a time, never concurrently with each other; they must not call Stop() or
// CheckNow() (deadlock).
// current(), reloads() and failures() may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/duration.h"
#include "policies/policy_file.h"

namespace prescale::policies {

class ConfigWatcher {
 public:
  using OnConfig = std::function<void(std::shared_ptr<const Config>)>;
  using OnError = std::function<void(const std::vector<ConfigError>&)>;

  // `initial` is the configuration already in force (usually loaded from `path` just before):
  // its file content is taken as seen at Start(), so it is not delivered again. Pass nullptr to
  // have Start() deliver the first good load through `on_config`.
  ConfigWatcher(std::string path, std::shared_ptr<const Config> initial, OnConfig on_config,
                OnError on_error, Duration poll_interval = std::chrono::seconds(1));
  ~ConfigWatcher();  // Stop()s

  ConfigWatcher(const ConfigWatcher&) = delete;
  ConfigWatcher& operator=(const ConfigWatcher&) = delete;

  // Starts polling on a background thread. Call at most once.
  void Start();
  // Stops and joins the thread. Idempotent.
  void Stop();

  // Polls once on the calling thread (tests; a SIGHUP handler's thread). Returns true if a new
  // configuration was applied. Do not call concurrently with itself.
  bool CheckNow();

  // The last good configuration (nullptr before the first one).
  std::shared_ptr<const Config> current() const;
  uint64_t reloads() const { return reloads_.load(); }        // successful reloads
  uint64_t failures() const { return failures_.load(); }      // rejected new contents
  uint64_t exceptions() const { return exceptions_.load(); }  // checks that threw (see above)

 private:
  void Loop();
  bool Check();  // CheckNow() under check_mu_, exceptions let through

  const std::string path_;
  const OnConfig on_config_;
  const OnError on_error_;
  const Duration poll_interval_;

  std::mutex check_mu_;  // serializes CheckNow between the thread and callers
  std::string last_content_;
  bool seen_any_ = false;
  bool last_unreadable_ = false;

  mutable std::mutex current_mu_;
  std::shared_ptr<const Config> current_;

  std::atomic<uint64_t> reloads_{0};
  std::atomic<uint64_t> failures_{0};
  std::atomic<uint64_t> exceptions_{0};

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace prescale::policies
