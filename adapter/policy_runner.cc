#include "adapter/policy_runner.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <thread>

#include "adapter/prometheus_client.h"
#include "common/log.h"

namespace prescale::adapter {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

int64_t FloorDiv(double t, double step) {
  return static_cast<int64_t>(std::floor(t / step + 1e-9));
}

}  // namespace

struct PolicyRunner::SeriesState {
  // `reserved` bytes were taken from `budget` (may be null) and are given back on destruction.
  SeriesState(const apiserver::Labels& labels,
              std::shared_ptr<const policies::PipelineSettings> settings,
              std::shared_ptr<HistoryBudget> budget, size_t reserved)
      : pipeline(std::move(settings), policies::StableLabelHash(labels)),
        budget(std::move(budget)),
        reserved(reserved) {}
  ~SeriesState() {
    if (budget) budget->Release(reserved);
  }
  SeriesState(const SeriesState&) = delete;
  SeriesState& operator=(const SeriesState&) = delete;

  policies::SeriesPipeline pipeline;
  std::shared_ptr<HistoryBudget> budget;
  size_t reserved = 0;
  double last_seen_time = -kInf;                                // newest sample of any value
  double observed_time = -kInf;                                 // newest finite sample
  double published = std::numeric_limits<double>::quiet_NaN();  // the previous forecast served
};

std::variant<std::unique_ptr<PolicyRunner>, std::string> PolicyRunner::Create(
    policies::Policy policy, RunnerOptions options) {
  auto settings = policies::PipelineSettings::Create(policy, ToSeconds(policy.step));
  if (auto* e = std::get_if<std::string>(&settings)) return *e;
  return std::unique_ptr<PolicyRunner>(new PolicyRunner(
      std::move(policy), options,
      std::get<std::shared_ptr<const policies::PipelineSettings>>(std::move(settings))));
}

PolicyRunner::PolicyRunner(policies::Policy policy, RunnerOptions options,
                           std::shared_ptr<const policies::PipelineSettings> settings)
    : policy_(std::move(policy)),
      options_(options),
      settings_(std::move(settings)),
      step_(ToSeconds(policy_.step)) {
  options_.overlap_steps = std::max(0, options_.overlap_steps);
  options_.chunk_points = std::clamp(options_.chunk_points, 1, kMaxPointsPerQuery);
}

PolicyRunner::~PolicyRunner() = default;

std::vector<TimeRange> PolicyRunner::PlanFetch(double now) const {
  // Sample j is evaluated at j * step and belongs to bucket j - 1.
  const int64_t now_j = FloorDiv(now, step_);
  const int64_t first_j = now_j - settings_->window_steps() + 1;
  int64_t from = first_j;
  if (fetched_any_) from = std::max(first_j, fetched_until_ - options_.overlap_steps);
  std::vector<TimeRange> plan;
  for (int64_t j = from; j <= now_j; j += options_.chunk_points) {
    const int64_t to = std::min(now_j, j + options_.chunk_points - 1);
    plan.push_back({static_cast<double>(j) * step_, static_cast<double>(to) * step_});
  }
  return plan;
}

bool PolicyRunner::ShrinkChunks() {
  if (options_.chunk_points <= 16) return false;
  options_.chunk_points = std::max(16, options_.chunk_points / 2);
  return true;
}

PolicyRunner::SeriesMap::iterator PolicyRunner::Admit(const apiserver::Labels& labels,
                                                      std::set<apiserver::Labels>* refused,
                                                      IngestReport* report) {
  const size_t limit = static_cast<size_t>(std::max(1, policy_.max_series));
  if (series_.size() >= limit) {
    // Keep the first max_series label sets in label order: a new one that sorts before the last
    // kept one replaces it (which releases its budget), any other is refused.
    const auto last = std::prev(series_.end());
    if (!(labels < last->first)) {
      refused->insert(labels);
      return series_.end();
    }
    refused->insert(last->first);
    series_.erase(last);
  }
  const size_t bytes = options_.budget ? series_bytes() : 0;
  if (options_.budget && !options_.budget->TryReserve(bytes)) {
    ++report->series_over_budget;
    return series_.end();
  }
  std::unique_ptr<SeriesState> state;
  try {
    state = std::make_unique<SeriesState>(labels, settings_, options_.budget, bytes);
  } catch (...) {
    if (options_.budget) options_.budget->Release(bytes);  // not taken after all
    throw;
  }
  return series_.emplace(labels, std::move(state)).first;
}

IngestReport PolicyRunner::Ingest(const TimeRange& range, const std::vector<Series>& chunk) {
  IngestReport report;
  // In label order, so which label sets fit within max_series does not depend on the order
  // Prometheus answered in.
  std::vector<const Series*> order;
  order.reserve(chunk.size());
  for (const Series& in : chunk) order.push_back(&in);
  std::sort(order.begin(), order.end(),
            [](const Series* a, const Series* b) { return a->labels < b->labels; });
  std::set<apiserver::Labels> refused;
  // Samples outside the queried range (a clock gone wrong, a hostile or broken source) would pin
  // the data age or land in buckets never asked for; the check also keeps llround() defined.
  const double earliest = range.start - step_;
  const double latest = range.end + step_;
  for (const Series* in : order) {
    auto it = series_.find(in->labels);
    if (it == series_.end()) it = Admit(in->labels, &refused, &report);
    if (it == series_.end()) continue;
    SeriesState& s = *it->second;
    for (const Sample& sample : in->samples) {
      if (!(sample.time >= earliest && sample.time <= latest)) {
        ++report.samples_out_of_range;
        continue;
      }
      s.pipeline.Put(std::llround(sample.time / step_) - 1, sample.value);
      s.last_seen_time = std::max(s.last_seen_time, sample.time);
      if (std::isfinite(sample.value)) s.observed_time = std::max(s.observed_time, sample.time);
    }
  }
  report.series_over_limit = refused.size();
  // Only once stored, so an exception above leaves the range to be fetched again.
  fetched_until_ = FloorDiv(range.end + step_ / 2, step_);
  fetched_any_ = true;
  LogRefusals(report);
  return report;
}

void PolicyRunner::LogRefusals(const IngestReport& report) {
  if (report.series_over_limit != logged_over_limit_) {
    logged_over_limit_ = report.series_over_limit;
    if (report.series_over_limit > 0)
      log::Warn("more series than the policy's max_series: the last ones in label order dropped",
                {{"policy", policy_.name},
                 {"max_series", policy_.max_series},
                 {"dropped", report.series_over_limit}});
    else
      log::Info("the policy's series fit within max_series again", {{"policy", policy_.name}});
  }
  if (report.series_over_budget != logged_over_budget_) {
    logged_over_budget_ = report.series_over_budget;
    if (report.series_over_budget > 0)
      log::Warn("series history memory budget spent (--max-history-bytes): new series dropped",
                {{"policy", policy_.name},
                 {"dropped", report.series_over_budget},
                 {"bytes_per_series", series_bytes()},
                 {"budget_used", options_.budget ? options_.budget->used() : 0},
                 {"budget_max", options_.budget ? options_.budget->max() : 0}});
  }
}

void PolicyRunner::FetchSucceeded(double now) {
  backfilled_ = true;
  last_success_ = now;
  last_error_.clear();
  if (Stale(now)) return;  // an outage of the source, not of single series: keep them all
  const double horizon = now - ToSeconds(policy_.max_staleness);
  std::erase_if(series_,
                [horizon](const auto& entry) { return entry.second->last_seen_time < horizon; });
}

void PolicyRunner::FetchFailed(const std::string& error) { last_error_ = error; }

void PolicyRunner::Advance(double now) {
  // Models start only on the whole start-up window: fitted on part of it, they would differ from
  // those of a replica that loaded it at once.
  if (!backfilled_) return;
  std::vector<SeriesState*> all;
  all.reserve(series_.size());
  for (auto& [labels, s] : series_) all.push_back(s.get());
  const size_t threads = std::min<size_t>(std::max(1, options_.threads), all.size() / 16 + 1);
  if (threads <= 1) {
    for (SeriesState* s : all) s->pipeline.Advance(now);
    LogLearnedEvents();
    return;
  }
  std::vector<std::thread> workers;
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&all, t, threads, now] {
      for (size_t i = t; i < all.size(); i += threads) all[i]->pipeline.Advance(now);
    });
  }
  for (std::thread& w : workers) w.join();
  LogLearnedEvents();
}

void PolicyRunner::LogLearnedEvents() {
  for (const auto& [labels, s] : series_) {
    for (const forecasting::EventSpec& e : s->pipeline.learned_events()) {
      if (!logged_events_.insert(e.name).second) continue;
      std::string series;
      for (const auto& [k, v] : labels) series += (series.empty() ? "" : ",") + k + "=" + v;
      log::Info("learned a recurring event", {{"policy", policy_.name},
                                              {"event", e.name},
                                              {"schedule", e.schedule},
                                              {"timezone", e.timezone},
                                              {"first_series", series}});
    }
  }
}

void PolicyRunner::AppendServed(double now, std::vector<ServedMetric>* out,
                                std::vector<AuditRecord>* audit) {
  const Visibility visibility{policy_.namespaces, policy_.namespace_label};
  ServedMetric observed{policy_.observed_metric,
                        policy_.name,
                        ServedMetric::State::kOk,
                        "",
                        {},
                        visibility,
                        policy_.object,
                        {}};
  ServedMetric forecast{policy_.forecast_metric,
                        policy_.name,
                        ServedMetric::State::kOk,
                        "",
                        {},
                        visibility,
                        policy_.object,
                        {}};
  const double age = DataAge(now);
  if (!backfilled_) {
    const std::string why = "no data fetched from Prometheus yet for policy " + policy_.name +
                            (last_error_.empty() ? "" : ": " + last_error_);
    observed.state = forecast.state = ServedMetric::State::kNoData;
    observed.unavailable_reason = forecast.unavailable_reason = why;
  } else if (age > ToSeconds(policy_.max_staleness)) {  // Stale(now), without a second scan
    const std::string why = "the data of policy " + policy_.name + " is " +
                            std::to_string(static_cast<int64_t>(age)) +
                            " s old, more than its max_staleness" +
                            (last_error_.empty() ? "" : " (last error: " + last_error_ + ")");
    observed.state = forecast.state = ServedMetric::State::kStale;
    observed.unavailable_reason = forecast.unavailable_reason = why;
  } else {
    const auto window = static_cast<int64_t>(std::llround(step_));
    for (auto& [labels, sp] : series_) {
      SeriesState& s = *sp;
      const auto seen = s.pipeline.Observed(now);
      if (!seen) continue;
      const double sample_time = static_cast<double>(seen->bucket + 1) * step_;
      const auto at = std::chrono::system_clock::time_point(
          std::chrono::milliseconds(static_cast<int64_t>(std::llround(sample_time * 1000))));
      const double value = s.pipeline.Served(now);
      observed.values.push_back({policy_.observed_metric, labels, at, window, seen->value, ""});
      forecast.values.push_back({policy_.forecast_metric, labels, at, window, value, ""});
      if (value != s.published && audit) {
        audit->push_back({s.pipeline.decision_time(), policy_.forecast_metric, labels, value,
                          std::isfinite(s.published) ? s.published : 0, seen->value,
                          s.pipeline.model_name(), s.pipeline.fit_time(), age});
      }
      s.published = value;
    }
  }
  out->push_back(std::move(observed));
  out->push_back(std::move(forecast));
}

double PolicyRunner::DataAge(double now) const {
  double newest = -kInf;
  for (const auto& [labels, s] : series_) newest = std::max(newest, s->observed_time);
  if (newest == -kInf) return backfilled_ ? std::max(0.0, now - last_success_) : kInf;
  return std::max(0.0, now - newest);
}

bool PolicyRunner::Stale(double now) const {
  return backfilled_ && DataAge(now) > ToSeconds(policy_.max_staleness);
}

RunnerStats PolicyRunner::stats() const {
  RunnerStats st;
  st.series = series_.size();
  for (const auto& [labels, s] : series_) {
    st.forecast_mae += s->pipeline.forecast_mae();
    st.naive_mae += s->pipeline.naive_mae();
    st.refits += s->pipeline.fits();
  }
  std::set<std::string> learned;
  for (const auto& [labels, s] : series_)
    for (const forecasting::EventSpec& e : s->pipeline.learned_events()) learned.insert(e.name);
  st.learned_events = learned.size();
  return st;
}

size_t PolicyRunner::history_bytes() const { return series_.size() * series_bytes(); }

size_t PolicyRunner::series_bytes() const {
  return static_cast<size_t>(settings_->window_steps()) * sizeof(float);
}

}  // namespace prescale::adapter
