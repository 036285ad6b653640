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
// Exceptions (std::bad_alloc, a bug) never end the loop. One thrown while refreshing a policy is
// caught for that policy alone: logged at error level, counted in
// prescale_refresh_exceptions_total, and the policy is retried with the same backoff as a failed
// query, serving what it served (held, then stale) meanwhile. One thrown while serving a policy's
// values keeps that policy's values of the last snapshot; one anywhere else keeps the last
// snapshot served and the loop backs off (the refresh period doubling per consecutive exception,
// up to max_backoff) before trying again.
//
// Every query is counted by outcome (prescale_prometheus_queries_total{policy,outcome}: success or
// the error reason) and timed (prescale_prometheus_query_duration_seconds{policy}).
//
// Bounds: each answer is at most client.max_body_bytes (larger: error reason too_large), each
// policy keeps at most max_series series within the process-wide HistoryBudget of runner.budget,
// and samples outside the queried range are refused; every refusal is counted in
// prescale_limit_rejections_total (AdapterMetrics::LimitHit).
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
  // URL and timeout of the Prometheus client. Empty `url_override` / zero `timeout_override`:
  // taken from the policy file (also after a reload).
  std::string url_override;
  std::chrono::milliseconds timeout_override{0};
  // Everything else of the client (credentials, CA, client certificate, headers, answer bound);
  // its url and timeout are ignored.
  PrometheusClientOptions client;
  RunnerOptions runner;
  std::chrono::seconds max_backoff{30};
};

class RefreshLoop {
 public:
  // Throws std::invalid_argument when the Prometheus client options (PrometheusClient::Create) or
  // a policy's model are unusable (a start-up error). Warns once per URL when a credential would
  // travel over plain http://. `holder`, `metrics` and `audit` (nullable) must outlive it.
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
  // Fetches (unless backing off) and advances a policy and its predecessor.
  void RefreshSlot(PolicySlot& slot, double now, bool* source_up);
  // False when the source itself failed (unreachable, timeout, 5xx): skip the other policies.
  bool Fetch(PolicySlot& slot, double now);
  void Backoff(PolicySlot& slot, double now);
  void SlotFailed(PolicySlot& slot, double now, const std::string& what);
  // Appends what `slot` serves at `now` (and its audit records); counts its refusals.
  void ServeSlot(PolicySlot& slot, double now, std::vector<ServedMetric>* served,
                 std::vector<AuditRecord>* audit);
  void Publish(double now, std::chrono::system_clock::time_point wall);

  RefreshLoopOptions options_;
  SnapshotHolder& holder_;
  AdapterMetrics& metrics_;
  AuditLog* audit_;

  // Owned by the loop thread (or the RefreshOnce caller).
  std::unique_ptr<PrometheusClient> client_;
  std::string url_;  // of client_
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
