#include "adapter/refresh_loop.h"

#include <malloc.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <stdexcept>

#include "common/http_url.h"
#include "common/log.h"

namespace prescale::adapter {

namespace {

double UnixSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace

struct RefreshLoop::PolicySlot {
  std::unique_ptr<PolicyRunner> runner;
  int failures = 0;
  double next_attempt = 0;
  bool rejected = false;  // Prometheus refused the query (4xx)
  double skip_until = 0;  // after an exception: nothing is done for the policy until then
  double backfill_started = 0;
  // The previous version of a changed policy (same name): it keeps being refreshed and served
  // until this one has loaded its history, so a reload never makes the policy's metrics
  // unavailable meanwhile.
  std::unique_ptr<PolicySlot> predecessor;
};

struct RefreshLoop::Plan {
  std::shared_ptr<const policies::Config> config;
  std::string url;
  std::string url_for_logs;  // HttpUrl::ForLogs: query values elided
  std::chrono::milliseconds timeout{0};
  std::unique_ptr<PrometheusClient> client;
  std::vector<std::unique_ptr<PolicySlot>> slots;
};

std::variant<std::unique_ptr<RefreshLoop::Plan>, std::string> RefreshLoop::MakePlan(
    std::shared_ptr<const policies::Config> config, const RefreshLoopOptions& options) {
  auto plan = std::make_unique<Plan>();
  PrometheusClientOptions client = options.client;
  client.url = options.url_override.empty() ? config->prometheus.url : options.url_override;
  client.timeout =
      options.timeout_override.count() > 0
          ? options.timeout_override
          : std::chrono::duration_cast<std::chrono::milliseconds>(config->prometheus.timeout);
  plan->url = client.url;
  plan->timeout = client.timeout;
  auto created = PrometheusClient::Create(client);
  if (auto* e = std::get_if<std::string>(&created)) return *e;
  std::string unused;
  plan->url_for_logs = ParseHttpUrl(client.url, "", "", &unused)->ForLogs();
  plan->client = std::move(std::get<std::unique_ptr<PrometheusClient>>(created));
  for (const policies::Policy& policy : config->policies) {
    auto runner = PolicyRunner::Create(policy, options.runner);
    if (auto* e = std::get_if<std::string>(&runner)) return *e;
    auto slot = std::make_unique<PolicySlot>();
    slot->runner = std::move(std::get<std::unique_ptr<PolicyRunner>>(runner));
    plan->slots.push_back(std::move(slot));
  }
  plan->config = std::move(config);
  return plan;
}

RefreshLoop::RefreshLoop(const policies::Config& config, RefreshLoopOptions options,
                         SnapshotHolder& holder, AdapterMetrics& metrics, AuditLog* audit)
    : options_(std::move(options)),
      holder_(holder),
      metrics_(metrics),
      audit_(audit),
      jitter_(std::random_device{}()) {
  auto plan = MakePlan(std::make_shared<const policies::Config>(config), options_);
  if (auto* e = std::get_if<std::string>(&plan)) throw std::invalid_argument(*e);
  Adopt(std::move(std::get<std::unique_ptr<Plan>>(plan)));
}

RefreshLoop::~RefreshLoop() { Stop(); }

void RefreshLoop::Adopt(std::unique_ptr<Plan> plan) {
  // Keep the state of policies that did not change.
  for (auto& slot : plan->slots) {
    for (auto& old : slots_) {
      if (old && old->runner->policy().serving() == slot->runner->policy().serving()) {
        slot = std::move(old);
        break;
      }
    }
  }
  // A changed policy is served by its previous version until it has loaded its history.
  for (auto& slot : plan->slots) {
    if (slot->runner->backfilled()) continue;
    for (auto& old : slots_) {
      if (!old || old->runner->policy().name != slot->runner->policy().name) continue;
      // Changed twice before loading: the version that serves stays the one that serves.
      std::unique_ptr<PolicySlot> serving =
          old->predecessor ? std::move(old->predecessor) : std::move(old);
      if (serving->runner->backfilled()) {
        slot->predecessor = std::move(serving);
        log::Info("policy changed: the previous version serves until the new one has loaded",
                  {{"policy", slot->runner->policy().name}});
      }
      break;
    }
  }
  slots_ = std::move(plan->slots);
  client_ = std::move(plan->client);
  const PrometheusClientOptions& client = options_.client;
  const bool token = !client.token_file.empty();
  if (plan->url != url_ && (token || !client.basic_auth_file.empty()) &&
      plan->url.rfind("http://", 0) == 0) {
    log::Warn(std::string("the Prometheus ") + (token ? "bearer token" : "basic-auth password") +
                  " is sent over plain http://: anyone on the path can read it; use an https:// "
                  "URL",
              {{"prometheus", plan->url_for_logs},
               {"file", token ? client.token_file : client.basic_auth_file}});
  }
  url_ = plan->url;
  refresh_ = std::chrono::duration_cast<std::chrono::milliseconds>(plan->config->refresh);
  log::Info("configuration in force",
            {{"policies", static_cast<int64_t>(slots_.size())},
             {"prometheus", plan->url_for_logs},
             {"prometheus_headers", static_cast<int64_t>(client.headers.size())},
             {"refresh", FormatDuration(plan->config->refresh)}});
}

bool RefreshLoop::Reload(std::shared_ptr<const policies::Config> config, std::string* error) {
  auto plan = MakePlan(std::move(config), options_);
  if (auto* e = std::get_if<std::string>(&plan)) {
    *error = *e;
    return false;
  }
  std::lock_guard lock(mu_);
  pending_ = std::move(std::get<std::unique_ptr<Plan>>(plan));
  cv_.notify_all();
  return true;
}

void RefreshLoop::ApplyPending() {
  std::unique_ptr<Plan> plan;
  {
    std::lock_guard lock(mu_);
    plan = std::move(pending_);
  }
  if (plan) Adopt(std::move(plan));
}

void RefreshLoop::Start() {
  thread_ = std::thread([this] { Run(); });
}

void RefreshLoop::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RefreshLoop::Run() {
  auto next = std::chrono::steady_clock::now();
  int consecutive_exceptions = 0;
  while (true) {
    std::string what;
    try {
      RefreshOnce(std::chrono::system_clock::now());
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
      what = "unknown exception";
    }
    auto period = refresh_;
    if (what.empty()) {
      consecutive_exceptions = 0;
    } else {
      // The last snapshot stays served; wait longer before each new try.
      ++consecutive_exceptions;
      metrics_.CountRefreshException();
      const auto cap = std::max<std::chrono::milliseconds>(refresh_, options_.max_backoff);
      period = std::min(cap, refresh_ * (int64_t{1} << std::min(consecutive_exceptions, 16)));
      log::Error("refresh failed; the last snapshot stays served",
                 {{"error", what},
                  {"consecutive", consecutive_exceptions},
                  {"retry_in_seconds", std::chrono::duration<double>(period).count()}});
    }
    next += period;
    const auto now = std::chrono::steady_clock::now();
    if (!what.empty()) next = now + period;  // the backoff counts from the failure
    if (next < now) next = now;              // a refresh that overran: do not try to catch up
    std::unique_lock lock(mu_);
    if (cv_.wait_until(lock, next, [this] { return stop_; })) return;
  }
}

void RefreshLoop::Backoff(PolicySlot& slot, double now) {
  ++slot.failures;
  const double base = std::chrono::duration<double>(refresh_).count();
  const double cap = static_cast<double>(options_.max_backoff.count());
  const double delay = std::min(cap, base * std::pow(2.0, std::min(slot.failures - 1, 16)));
  // Equal jitter: replicas that lost Prometheus together do not retry in lockstep.
  std::uniform_real_distribution<double> half(0.5, 1.0);
  slot.next_attempt = now + delay * half(jitter_);
}

bool RefreshLoop::Fetch(PolicySlot& slot, double now) {
  PolicyRunner& runner = *slot.runner;
  const policies::Policy& policy = runner.policy();
  if (!runner.backfilled() && slot.backfill_started == 0) slot.backfill_started = now;
  const std::vector<TimeRange> plan = runner.PlanFetch(now);
  // A long history is loaded over several refreshes (PlanFetch resumes after the last stored
  // range), so the other policies keep being refreshed and published meanwhile.
  const auto started = std::chrono::steady_clock::now();
  for (const TimeRange& range : plan) {
    if (&range != &plan.front() && std::chrono::steady_clock::now() - started >= refresh_)
      return true;
    const auto query_started = std::chrono::steady_clock::now();
    QueryResult result =
        client_->QueryRange(policy.query, range.start, range.end, runner.step_seconds());
    const auto* failed = std::get_if<PrometheusError>(&result);
    metrics_.ObservePrometheusQuery(
        policy.name, failed ? ReasonLabel(failed->reason) : "success",
        std::chrono::duration<double>(std::chrono::steady_clock::now() - query_started).count());
    if (const PrometheusError* e = failed) {
      const char* reason = ReasonLabel(e->reason);
      metrics_.CountPrometheusError(policy.name, reason);
      if (e->reason == PrometheusError::Reason::kTooLarge)
        metrics_.LimitHit(apiserver::Limit::kPrometheusAnswerBytes);
      runner.FetchFailed(reason + std::string(": ") + e->message);
      Backoff(slot, now);
      slot.rejected = e->reason == PrometheusError::Reason::kHttp4xx;
      log::Warn("Prometheus query failed",
                {{"policy", policy.name},
                 {"reason", reason},
                 {"status", e->http_status},
                 {"error", e->message},
                 {"failures", slot.failures},
                 {"retry_in_seconds", std::round((slot.next_attempt - now) * 10) / 10}});
      // A long history may be too much for one query within the timeout, or for one answer:
      // ask for less.
      if ((e->reason == PrometheusError::Reason::kTimeout ||
           e->reason == PrometheusError::Reason::kTooLarge) &&
          plan.size() > 1 && runner.ShrinkChunks())
        log::Info("fetching history in smaller queries",
                  {{"policy", policy.name}, {"points_per_query", runner.chunk_points()}});
      return !e->SourceFailure();
    }
    const auto& series = std::get<std::vector<Series>>(result);
    size_t samples = 0;
    for (const Series& s : series) samples += s.samples.size();
    metrics_.AddSamplesFetched(policy.name, static_cast<double>(samples));
    const IngestReport report = runner.Ingest(range, series);
    if (report.series_over_limit > 0)
      metrics_.LimitHit(apiserver::Limit::kPrometheusSeries,
                        static_cast<double>(report.series_over_limit));
    if (report.series_over_budget > 0)
      metrics_.LimitHit(apiserver::Limit::kHistoryMemory,
                        static_cast<double>(report.series_over_budget));
    if (report.samples_out_of_range > 0)
      metrics_.LimitHit(apiserver::Limit::kFutureSamples,
                        static_cast<double>(report.samples_out_of_range));
  }
  const bool first = !runner.backfilled();
  if (slot.failures > 0)
    log::Info("Prometheus answers again", {{"policy", policy.name}, {"failures", slot.failures}});
  runner.FetchSucceeded(now);
  slot.failures = 0;
  slot.rejected = false;
  slot.next_attempt = 0;
  if (first) {
    log::Info("history loaded",
              {{"policy", policy.name},
               {"series", static_cast<int64_t>(runner.stats().series)},
               {"queries", static_cast<int64_t>(plan.size())},
               {"seconds",
                std::round((UnixSeconds(std::chrono::system_clock::now()) - slot.backfill_started) *
                           1000) /
                    1000}});
  }
  return true;
}

void RefreshLoop::RefreshSlot(PolicySlot& slot, double now, bool* source_up) {
  if (now < slot.skip_until) return;
  if (PolicySlot* old = slot.predecessor.get()) {
    if (*source_up && now >= old->next_attempt) *source_up = Fetch(*old, now);
    old->runner->Advance(now);
  }
  if (*source_up && now >= slot.next_attempt) *source_up = Fetch(slot, now);
  slot.runner->Advance(now);
  if (slot.predecessor && (slot.runner->backfilled() || slot.rejected)) {
    slot.predecessor.reset();
    log::Info("policy change in force", {{"policy", slot.runner->policy().name}});
  }
}

void RefreshLoop::SlotFailed(PolicySlot& slot, double now, const std::string& what) {
  metrics_.CountRefreshException();
  Backoff(slot, now);
  slot.skip_until = slot.next_attempt;
  slot.runner->FetchFailed("internal error: " + what);
  log::Error("refreshing a policy failed; it serves what it served until it is retried",
             {{"policy", slot.runner->policy().name},
              {"error", what},
              {"failures", slot.failures},
              {"retry_in_seconds", std::round((slot.next_attempt - now) * 10) / 10}});
}

void RefreshLoop::RefreshOnce(std::chrono::system_clock::time_point wall) {
  const auto started = std::chrono::steady_clock::now();
  ApplyPending();
  const uint64_t bytes_before = client_->bytes_received();
  const double now = UnixSeconds(wall);
  bool source_up = true;
  for (auto& slot : slots_) {
    // One policy's failure is that policy's alone: the others are refreshed and published.
    try {
      RefreshSlot(*slot, now, &source_up);
    } catch (const std::exception& e) {
      SlotFailed(*slot, now, e.what());
    } catch (...) {
      SlotFailed(*slot, now, "unknown exception");
    }
  }
  Publish(now, wall);
  // Loading history allocates answers far larger than a steady refresh's; give that memory back
  // to the system instead of keeping the peak resident.
  const uint64_t fetched = client_->bytes_received() - bytes_before;
  if (fetched > (uint64_t{32} << 20)) malloc_trim(0);
  metrics_.ObserveRefresh(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

void RefreshLoop::ServeSlot(PolicySlot& slot, double now, std::vector<ServedMetric>* served,
                            std::vector<AuditRecord>* audit) {
  PolicyRunner& runner = slot.predecessor ? *slot.predecessor->runner : *slot.runner;
  runner.AppendServed(now, served, audit);
  const RunnerStats stats = runner.stats();
  const std::string& name = runner.policy().name;
  const double age = runner.DataAge(now);
  if (std::isfinite(age)) metrics_.SetDataAge(name, age);
  metrics_.SetStale(name, runner.Stale(now));
  metrics_.SetForecastError(name, stats.forecast_mae, stats.naive_mae);
  metrics_.SetLearnedEvents(name, stats.learned_events);
}

void RefreshLoop::Publish(double now, std::chrono::system_clock::time_point wall) {
  std::vector<ServedMetric> served;
  std::vector<AuditRecord> audit;
  const std::shared_ptr<const Snapshot> last = holder_.Current();
  bool all_loaded = true;
  for (auto& slot : slots_) {
    all_loaded = all_loaded && (slot->runner->backfilled() || slot->rejected || slot->predecessor);
    std::vector<ServedMetric> slot_served;
    std::vector<AuditRecord> slot_audit;
    std::string what;
    try {
      ServeSlot(*slot, now, &slot_served, audit_ ? &slot_audit : nullptr);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
      what = "unknown exception";
    }
    if (!what.empty()) {
      // The policy's values of the last snapshot stay served.
      metrics_.CountRefreshException();
      const policies::Policy& policy =
          (slot->predecessor ? slot->predecessor->runner : slot->runner)->policy();
      log::Error("serving a policy failed; its values of the last snapshot stay served",
                 {{"policy", policy.name}, {"error", what}});
      slot_served.clear();
      slot_audit.clear();
      for (const std::string* name : {&policy.observed_metric, &policy.forecast_metric}) {
        if (const ServedMetric* m = last ? last->Find(*name) : nullptr) slot_served.push_back(*m);
      }
    }
    std::move(slot_served.begin(), slot_served.end(), std::back_inserter(served));
    std::move(slot_audit.begin(), slot_audit.end(), std::back_inserter(audit));
  }
  if (all_loaded && !complete_) log::Info("ready: every policy has loaded its history");
  complete_ = complete_ || all_loaded;
  auto snapshot = std::make_shared<const Snapshot>(wall, std::move(served), complete_);
  holder_.Publish(snapshot);
  metrics_.OnSnapshotPublished(*snapshot);
  if (audit_) {
    for (const AuditRecord& r : audit) audit_->Record(r);
  }
}

}  // namespace prescale::adapter
