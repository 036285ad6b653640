#include "adapter/adapter_metrics.h"

#include "adapter/prometheus_client.h"
#include "common/build_info.h"

namespace prescale::adapter {

namespace p = prometheus;

namespace {

const p::Histogram::BucketBoundaries& QueryBuckets() {
  static const p::Histogram::BucketBoundaries kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                          1,     2.5,  5,     10,   30,  60};
  return kBuckets;
}

}  // namespace

std::string SeriesLabel(const apiserver::Labels& labels) {
  std::string out;
  for (const auto& [k, v] : labels) {
    if (!out.empty()) out += ',';
    out += k + "=" + v;
  }
  return out;
}

AdapterMetrics::AdapterMetrics(p::Registry& r, const policies::Config& config)
    : ready_(p::BuildGauge()
                 .Name("prescale_ready")
                 .Help("1 once a complete snapshot is served.")
                 .Register(r)),
      snapshot_age_(p::BuildGauge()
                        .Name("prescale_snapshot_age_seconds")
                        .Help("Seconds since the served snapshot was published.")
                        .Register(r)),
      snapshots_published_(p::BuildCounter()
                               .Name("prescale_snapshots_published_total")
                               .Help("Snapshots published by the refresh loop.")
                               .Register(r)),
      refresh_duration_(p::BuildHistogram()
                            .Name("prescale_refresh_duration_seconds")
                            .Help("Duration of one refresh: fetch, forecast, decide, publish.")
                            .Register(r)),
      samples_fetched_(p::BuildCounter()
                           .Name("prescale_prometheus_samples_fetched_total")
                           .Help("Samples read from Prometheus, per policy.")
                           .Register(r)),
      prometheus_errors_(p::BuildCounter()
                             .Name("prescale_prometheus_errors_total")
                             .Help("Failed Prometheus queries, per policy and reason.")
                             .Register(r)),
      prometheus_queries_(p::BuildCounter()
                              .Name("prescale_prometheus_queries_total")
                              .Help("Prometheus queries, per policy and outcome (success or the "
                                    "error reason).")
                              .Register(r)),
      prometheus_query_duration_(
          p::BuildHistogram()
              .Name("prescale_prometheus_query_duration_seconds")
              .Help("Duration of one Prometheus query, connect to last byte, any outcome.")
              .Register(r)),
      data_age_(p::BuildGauge()
                    .Name("prescale_data_age_seconds")
                    .Help("Age of the newest sample behind the served values, per policy.")
                    .Register(r)),
      stale_(p::BuildGauge()
                 .Name("prescale_metric_stale")
                 .Help("1 when a policy's data is older than its max_staleness (its metrics answer "
                       "503).")
                 .Register(r)),
      served_value_(p::BuildGauge()
                        .Name("prescale_served_value")
                        .Help("The value served per metric and series.")
                        .Register(r)),
      capacity_limit_(
          p::BuildGauge()
              .Name("prescale_capacity_limit")
              .Help("max_replicas x capacity_per_pod of a policy's deployment, when known.")
              .Register(r)),
      forecast_mae_(p::BuildGauge()
                        .Name("prescale_forecast_mae")
                        .Help("Rolling mean absolute error of the forecast at the lead time.")
                        .Register(r)),
      naive_mae_(p::BuildGauge()
                     .Name("prescale_forecast_naive_mae")
                     .Help("Rolling MAE of the naive forecast (last value) at the same lead.")
                     .Register(r)),
      learned_events_(p::BuildGauge()
                          .Name("prescale_learned_events")
                          .Help("Recurring events learned from the history (not in the calendar).")
                          .Register(r)),
      config_reloads_(p::BuildCounter()
                          .Name("prescale_config_reloads_total")
                          .Help("Policy file reloads, by result.")
                          .Register(r)),
      config_last_reload_ok_(p::BuildGauge()
                                 .Name("prescale_config_last_reload_successful")
                                 .Help("1 if the last policy file (re)load succeeded.")
                                 .Register(r)),
      build_info_(
          p::BuildGauge().Name("prescale_build_info").Help("Build information.").Register(r)),
      refresh_exceptions_(p::BuildCounter()
                              .Name("prescale_refresh_exceptions_total")
                              .Help("Exceptions caught in the refresh loop (logged at error level; "
                                    "the last snapshot stays served, the loop backs off).")
                              .Register(r)
                              .Add({})),
      security_(r) {
  ready_.Add({}).Set(0);
  snapshot_age_.Add({});
  config_reloads_.Add({{"result", "success"}});
  config_reloads_.Add({{"result", "failure"}});
  config_last_reload_ok_.Add({}).Set(1);
  build_info_.Add({{"version", build::kVersion}, {"commit", build::kGitCommit}}).Set(1);
  refresh_duration_.Add({}, p::Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                           1, 2.5, 5, 10, 30});
  for (const policies::Policy& policy : config.policies) AddPolicy(policy);
}

void AdapterMetrics::AddPolicy(const policies::Policy& policy) {
  const p::Labels labels{{"policy", policy.name}};
  samples_fetched_.Add(labels);
  prometheus_queries_.Add({{"policy", policy.name}, {"outcome", "success"}});
  for (const PrometheusError::Reason reason : kAllPrometheusErrorReasons) {
    prometheus_errors_.Add({{"policy", policy.name}, {"reason", ReasonLabel(reason)}});
    prometheus_queries_.Add({{"policy", policy.name}, {"outcome", ReasonLabel(reason)}});
  }
  prometheus_query_duration_.Add(labels, QueryBuckets());
  data_age_.Add(labels);
  stale_.Add(labels);
  forecast_mae_.Add(labels);
  naive_mae_.Add(labels);
  learned_events_.Add(labels);
  const auto& bt = policy.backtest;
  if (bt.capacity_per_pod) capacity_limit_.Add(labels).Set(bt.max_replicas * *bt.capacity_per_pod);
}

void AdapterMetrics::OnSnapshotPublished(const Snapshot& snapshot) {
  std::lock_guard lock(mu_);
  last_snapshot_ = snapshot.built_at();
  snapshots_published_.Add({}).Increment();
  ready_.Add({}).Set(snapshot.complete() ? 1 : 0);
  std::map<std::string, p::Gauge*> next;
  for (const auto& [name, metric] : snapshot.metrics()) {
    if (metric.state != ServedMetric::State::kOk) continue;
    for (const auto& v : metric.values) {
      const std::string series = SeriesLabel(v.labels);
      std::string key = name + '\0' + series;
      auto it = served_.find(key);
      p::Gauge* gauge =
          it != served_.end()
              ? it->second
              : &served_value_.Add(
                    {{"policy", metric.policy}, {"metric", name}, {"series", series}});
      gauge->Set(v.value);
      next.emplace(std::move(key), gauge);
    }
  }
  for (const auto& [key, gauge] : served_) {
    if (!next.count(key)) served_value_.Remove(gauge);
  }
  served_ = std::move(next);
}

void AdapterMetrics::UpdateBeforeScrape() {
  std::lock_guard lock(mu_);
  if (last_snapshot_.time_since_epoch().count() == 0) return;
  const double age =
      std::chrono::duration<double>(std::chrono::system_clock::now() - last_snapshot_).count();
  snapshot_age_.Add({}).Set(age);
}

void AdapterMetrics::OnConfigReload(bool success) {
  config_reloads_.Add({{"result", success ? "success" : "failure"}}).Increment();
  config_last_reload_ok_.Add({}).Set(success ? 1 : 0);
}

void AdapterMetrics::ObserveRefresh(double seconds) {
  static const p::Histogram::BucketBoundaries kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                          0.5,   1,    2.5,   5,    10,  30};
  refresh_duration_.Add({}, kBuckets).Observe(seconds);
}

void AdapterMetrics::SetDataAge(const std::string& policy, double seconds) {
  data_age_.Add({{"policy", policy}}).Set(seconds);
}

void AdapterMetrics::SetStale(const std::string& policy, bool stale) {
  stale_.Add({{"policy", policy}}).Set(stale ? 1 : 0);
}

void AdapterMetrics::AddSamplesFetched(const std::string& policy, double count) {
  samples_fetched_.Add({{"policy", policy}}).Increment(count);
}

void AdapterMetrics::CountPrometheusError(const std::string& policy, const std::string& reason) {
  prometheus_errors_.Add({{"policy", policy}, {"reason", reason}}).Increment();
}

void AdapterMetrics::ObservePrometheusQuery(const std::string& policy, const std::string& outcome,
                                            double seconds) {
  prometheus_queries_.Add({{"policy", policy}, {"outcome", outcome}}).Increment();
  prometheus_query_duration_.Add({{"policy", policy}}, QueryBuckets()).Observe(seconds);
}

void AdapterMetrics::SetForecastError(const std::string& policy, double mae, double naive_mae) {
  forecast_mae_.Add({{"policy", policy}}).Set(mae);
  naive_mae_.Add({{"policy", policy}}).Set(naive_mae);
}

void AdapterMetrics::SetLearnedEvents(const std::string& policy, size_t count) {
  learned_events_.Add({{"policy", policy}}).Set(static_cast<double>(count));
}

void AdapterMetrics::CountRefreshException() { refresh_exceptions_.Increment(); }

}  // namespace prescale::adapter
