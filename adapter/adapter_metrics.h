// prescale's own metrics about data, snapshots and configuration (the API server's request
// metrics live in apiserver/server_metrics.h). Every family listed in the README and used by
// the alerts exists from start-up, with series for each configured policy. Thread-safe.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "adapter/snapshot.h"
#include "apiserver/security_metrics.h"
#include "policies/policy.h"

namespace prescale::adapter {

class AdapterMetrics {
 public:
  AdapterMetrics(prometheus::Registry& registry, const policies::Config& config);

  // After each publish: readiness, served values (series that vanished are removed).
  void OnSnapshotPublished(const Snapshot& snapshot);
  // Updates the time-dependent gauges; call right before serializing.
  void UpdateBeforeScrape();

  void OnConfigReload(bool success);
  void ObserveRefresh(double seconds);
  void SetDataAge(const std::string& policy, double seconds);
  void SetStale(const std::string& policy, bool stale);
  void AddSamplesFetched(const std::string& policy, double count);
  void CountPrometheusError(const std::string& policy, const std::string& reason);
  // One Prometheus query of `policy` that took `seconds`: `outcome` is "success" or the error's
  // ReasonLabel (prescale_prometheus_queries_total, prescale_prometheus_query_duration_seconds).
  void ObservePrometheusQuery(const std::string& policy, const std::string& outcome,
                              double seconds);
  void SetForecastError(const std::string& policy, double mae, double naive_mae);
  // Distinct recurring events the policy's series have learned (policy learn_events).
  void SetLearnedEvents(const std::string& policy, size_t count);
  // An exception caught in the refresh loop (prescale_refresh_exceptions_total).
  void CountRefreshException();
  // A bound of the data path refused work (prescale_limit_rejections_total{kind}).
  void LimitHit(apiserver::Limit kind, double count = 1) { security_.LimitHit(kind, count); }

 private:
  void AddPolicy(const policies::Policy& policy);

  prometheus::Family<prometheus::Gauge>& ready_;
  prometheus::Family<prometheus::Gauge>& snapshot_age_;
  prometheus::Family<prometheus::Counter>& snapshots_published_;
  prometheus::Family<prometheus::Histogram>& refresh_duration_;
  prometheus::Family<prometheus::Counter>& samples_fetched_;
  prometheus::Family<prometheus::Counter>& prometheus_errors_;
  prometheus::Family<prometheus::Counter>& prometheus_queries_;
  prometheus::Family<prometheus::Histogram>& prometheus_query_duration_;
  prometheus::Family<prometheus::Gauge>& data_age_;
  prometheus::Family<prometheus::Gauge>& stale_;
  prometheus::Family<prometheus::Gauge>& served_value_;
  prometheus::Family<prometheus::Gauge>& capacity_limit_;
  prometheus::Family<prometheus::Gauge>& forecast_mae_;
  prometheus::Family<prometheus::Gauge>& naive_mae_;
  prometheus::Family<prometheus::Gauge>& learned_events_;
  prometheus::Family<prometheus::Counter>& config_reloads_;
  prometheus::Family<prometheus::Gauge>& config_last_reload_ok_;
  prometheus::Family<prometheus::Gauge>& build_info_;
  prometheus::Counter& refresh_exceptions_;
  // On the same registry as the servers': the registry merges families of one name.
  apiserver::SecurityMetrics security_;

  std::mutex mu_;
  std::chrono::system_clock::time_point last_snapshot_{};
  std::map<std::string, prometheus::Gauge*> served_;  // key: metric + '\0' + series
};

// "venue=xnas,side=buy": the `series` label of prescale_served_value.
std::string SeriesLabel(const apiserver::Labels& labels);

}  // namespace prescale::adapter
