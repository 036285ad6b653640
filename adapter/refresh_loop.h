// The refresh loop: every `refresh` it fetches what is new from Prometheus for each policy,
// feeds the models, takes the decisions, publishes one immutable Snapshot, and writes the
// audit log and prescale's own metrics. Request threads never wait on it: they read the last
// published snapshot.
//
// A long history (start-up, a new policy, the gap after an outage) is fetched over several
// refreshes, about one `refresh` of queries per policy each, so no policy waits for another's.
//
// Faults: a failed query (unreachable, slow, 4xx/5xx, malformed answer) changes nothing served;
// the policy is retried with exponential backoff and jitter, and the gap is fetched once
// Prometheus answers again. Values are held (never lowered for lack of data) until the data is
// older than the policy's max_staleness; then the policy's metrics answer 503. The snapshot
// is marked complete (/readyz) once every policy has loaded its history, or has had its query
// rejected by Prometheus (4xx: retrying will not help; its metrics answer 503 and the error is
// logged).
//
// Threading: Start() runs the loop on its own thread until Stop(). Reload() may be called from
// any thread. RefreshOnce() is for tests, on a loop that was not started.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "adapter/adapter_metrics.h"
#include "adapter/audit_log.h"
#include "adapter/policy_runner.h"
#include "adapter/prometheus_client.h"
#include "adapter/snapshot.h"
#include "policies/policy.h"

namespace prescale::adapter {

struct RefreshLoopOptions {
  // URL, timeout, token and CA of the Prometheus client. Empty `url_override` /
  // zero `timeout_override`: taken from the policy file (also after a reload).
  std::string url_override;
  std::chrono::milliseconds timeout_override{0};
  std::string token_file;
  std::string ca_file;
  RunnerOptions runner;
  std::chrono::seconds max_backoff{30};
};

class RefreshLoop {
 public:
  // Throws std::invalid_argument when the Prometheus URL or CA file or a policy's model is
  // unusable (a start-up error). `holder`, `metrics` and `audit` (nullable) must outlive it.
  RefreshLoop(const policies::Config& config, RefreshLoopOptions options, SnapshotHolder& holder,
              AdapterMetrics& metrics, AuditLog* audit);
  ~RefreshLoop();

  void Start();
  void Stop();

  // Uses `config` from the next refresh on. Unchanged policies keep their state; changed and
  // new ones load their history afresh, and a changed one (same name) is served by its previous
  // version until then. Returns false (and keeps the current configuration) when it cannot be
  // used, with the reason in *error.
  bool Reload(std::shared_ptr<const policies::Config> config, std::string* error);

  // One refresh at `now`, on the calling thread.
  void RefreshOnce(std::chrono::system_clock::time_point now);

 private:
  struct PolicySlot;
  struct Plan;
  // Everything a configuration needs, built (and checked) before it replaces the current one.
  static std::variant<std::unique_ptr<Plan>, std::string> MakePlan(
      std::shared_ptr<const policies::Config> config, const RefreshLoopOptions& options);
  void Adopt(std::unique_ptr<Plan> plan);
  void Run();
  void ApplyPending();
  // False when the source itself failed (unreachable, timeout, 5xx): skip the other policies.
  bool Fetch(PolicySlot& slot, double now);
  void Backoff(PolicySlot& slot, double now);
  void Publish(double now, std::chrono::system_clock::time_point wall);

  RefreshLoopOptions options_;
  SnapshotHolder& holder_;
  AdapterMetrics& metrics_;
  AuditLog* audit_;

  // Owned by the loop thread (or the RefreshOnce caller).
  std::unique_ptr<PrometheusClient> client_;
  std::vector<std::unique_ptr<PolicySlot>> slots_;
  std::chrono::milliseconds refresh_{5000};
  bool complete_ = false;
  std::mt19937_64 jitter_;  // retry timing only; never touches served values

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::unique_ptr<Plan> pending_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace prescale::adapter
