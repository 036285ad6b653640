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
  SeriesState(const apiserver::Labels& labels,
              std::shared_ptr<const policies::PipelineSettings> settings)
      : pipeline(std::move(settings), policies::StableLabelHash(labels)) {}

  policies::SeriesPipeline pipeline;
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

void PolicyRunner::Ingest(const TimeRange& range, const std::vector<Series>& chunk) {
  fetched_until_ = FloorDiv(range.end + step_ / 2, step_);
  fetched_any_ = true;
  for (const Series& in : chunk) {
    auto it = series_.find(in.labels);
    if (it == series_.end())
      it = series_.emplace(in.labels, std::make_unique<SeriesState>(in.labels, settings_)).first;
    SeriesState& s = *it->second;
    for (const Sample& sample : in.samples) {
      s.pipeline.Put(std::llround(sample.time / step_) - 1, sample.value);
      s.last_seen_time = std::max(s.last_seen_time, sample.time);
      if (std::isfinite(sample.value)) s.observed_time = std::max(s.observed_time, sample.time);
    }
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
  ServedMetric observed{
      policy_.observed_metric, policy_.name, ServedMetric::State::kOk, "", {}, visibility};
  ServedMetric forecast{
      policy_.forecast_metric, policy_.name, ServedMetric::State::kOk, "", {}, visibility};
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

size_t PolicyRunner::history_bytes() const {
  return series_.size() * static_cast<size_t>(settings_->window_steps()) * sizeof(float);
}

}  // namespace prescale::adapter
