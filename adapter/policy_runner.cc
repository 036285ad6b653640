#include "adapter/policy_runner.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <thread>

#include "adapter/series_history.h"
#include "policies/decision.h"
#include "policies/model_spec.h"

namespace prescale::adapter {

namespace fc = forecasting;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

int64_t FloorDiv(double t, double step) {
  return static_cast<int64_t>(std::floor(t / step + 1e-9));
}

int64_t Mod(int64_t a, int64_t n) { return ((a % n) + n) % n; }

// FNV-1a: a stable hash of the labels (std::hash may differ between builds), so every replica
// refits a series at the same buckets.
uint64_t StableHash(const apiserver::Labels& labels) {
  uint64_t h = 1469598103934665603ULL;
  auto add = [&h](std::string_view s) {
    for (const unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;
  };
  for (const auto& [k, v] : labels) {
    add(k);
    add(v);
  }
  return h;
}

}  // namespace

struct PolicyRunner::SeriesState {
  SeriesState(apiserver::Labels l, int64_t capacity, int64_t refit_steps)
      : labels(std::move(l)),
        history(capacity),
        phase(static_cast<int64_t>(StableHash(labels) % static_cast<uint64_t>(refit_steps))) {}

  apiserver::Labels labels;
  SeriesHistory history;
  int64_t phase;
  double last_seen_time = -kInf;  // newest sample of any value
  double observed = kNaN;         // newest finite sample
  double observed_time = -kInf;
  int64_t first_data = INT64_MAX;  // first bucket with a value

  std::unique_ptr<fc::Model> model;
  std::optional<policies::ServedForecast> served;
  int64_t model_seen = INT64_MIN;
  int64_t fit_bucket = 0;
  int64_t fit_count = 0;
  uint64_t fits = 0;
  std::vector<fc::ForecastPoint> path;

  bool decided = false;
  double decision = 0;
  double decision_time = 0;
  double published = kNaN;  // the forecast value of the previous AppendServed

  double prev_prediction = kNaN;
  double prev_value = kNaN;
  double mae = 0;
  double naive_mae = 0;
};

std::variant<std::unique_ptr<PolicyRunner>, std::string> PolicyRunner::Create(
    policies::Policy policy, RunnerOptions options) {
  fc::ModelSpec spec = policies::ModelSpecFor(policy, ToSeconds(policy.step));
  auto probe = fc::MakeModel(spec);
  if (auto* e = std::get_if<fc::ModelError>(&probe))
    return "policy " + policy.name + ": " + e->message;
  std::string why;
  std::optional<policies::ServedForecast> served = policies::ServedForecast::Create(policy, &why);
  if (!served) return "policy " + policy.name + ": " + why;
  return std::unique_ptr<PolicyRunner>(
      new PolicyRunner(std::move(policy), options, std::move(spec), std::move(*served)));
}

PolicyRunner::PolicyRunner(policies::Policy policy, RunnerOptions options, fc::ModelSpec spec,
                           policies::ServedForecast served)
    : policy_(std::move(policy)),
      options_(options),
      spec_(std::move(spec)),
      served_prototype_(std::move(served)),
      step_(ToSeconds(policy_.step)) {
  options_.overlap_steps = std::max(0, options_.overlap_steps);
  options_.chunk_points = std::clamp(options_.chunk_points, 1, 11000);
  history_steps_ =
      std::max<int64_t>(1, static_cast<int64_t>(std::ceil(ToSeconds(policy_.history) / step_)));
  refit_steps_ = std::max<int64_t>(
      1, static_cast<int64_t>(std::llround(ToSeconds(options_.refit_period) / step_)));
  const double replay = ToSeconds(policy_.scale_down_hold) + ToSeconds(policy_.lead);
  window_steps_ = history_steps_ + refit_steps_ + static_cast<int64_t>(std::ceil(replay / step_)) +
                  options_.overlap_steps + 2;
  horizon_ = served_prototype_.HorizonSteps(step_);
}

PolicyRunner::~PolicyRunner() = default;

std::vector<TimeRange> PolicyRunner::PlanFetch(double now) const {
  const int64_t now_k = FloorDiv(now, step_);
  const int64_t first_k = now_k - window_steps_ + 1;
  int64_t from = first_k;
  if (fetched_any_) from = std::max(first_k, fetched_until_ - options_.overlap_steps);
  std::vector<TimeRange> plan;
  for (int64_t k = from; k <= now_k; k += options_.chunk_points) {
    const int64_t to = std::min(now_k, k + options_.chunk_points - 1);
    plan.push_back({static_cast<double>(k) * step_, static_cast<double>(to) * step_});
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
    if (it == series_.end()) {
      it = series_
               .emplace(in.labels,
                        std::make_unique<SeriesState>(in.labels, window_steps_, refit_steps_))
               .first;
    }
    SeriesState& s = *it->second;
    for (const Sample& sample : in.samples) {
      const int64_t k = static_cast<int64_t>(std::llround(sample.time / step_));
      s.history.Put(k, sample.value);
      s.last_seen_time = std::max(s.last_seen_time, sample.time);
      if (std::isfinite(sample.value)) {
        s.first_data = std::min(s.first_data, k);
        if (sample.time >= s.observed_time) {
          s.observed = std::max(0.0, sample.value);
          s.observed_time = sample.time;
        }
      }
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

bool PolicyRunner::IsRefitBucket(const SeriesState& s, int64_t k) const {
  if (Mod(k + s.phase, refit_steps_) == 0) return true;
  // While history is short, refit whenever it doubles, so the cold-start chain advances.
  return s.fit_count < history_steps_ && s.first_data != INT64_MAX &&
         k - s.first_data + 1 >= 2 * s.fit_count;
}

void PolicyRunner::FitAt(SeriesState& s, int64_t k) {
  const int64_t from = std::max({s.history.first(), k - history_steps_ + 1, s.first_data});
  // Not kept per series: with thousands of series the copies would double the history's memory.
  thread_local std::vector<double> window;
  s.history.Copy(from, k, &window);
  s.model->Fit(static_cast<double>(from) * step_, window);
  if (window.capacity() > (size_t{1} << 20)) std::vector<double>().swap(window);
  s.fit_bucket = k;
  s.fit_count = std::max<int64_t>(1, k - from + 1);
  ++s.fits;
}

void PolicyRunner::DecideAt(SeriesState& s, int64_t k) {
  const double value = s.history.At(k);
  if (std::isfinite(value)) {
    if (std::isfinite(s.prev_prediction)) {
      const double alpha = std::min(1.0, step_ / 3600.0);
      s.mae += alpha * (std::abs(value - s.prev_prediction) - s.mae);
      if (std::isfinite(s.prev_value))
        s.naive_mae += alpha * (std::abs(value - s.prev_value) - s.naive_mae);
    }
    s.prev_value = value;
  }
  s.path = s.model->Forecast(horizon_, policy_.quantile);
  s.prev_prediction = s.path.empty() ? kNaN : s.path.front().mean;
  const double t = static_cast<double>(k + 1) * step_;
  s.decision = s.served->Decide(t, static_cast<double>(k) * step_, step_, value, s.path);
  s.decision_time = t;
  s.decided = true;
}

void PolicyRunner::AdvanceSeries(SeriesState& s, double now) {
  const int64_t consumable = FloorDiv(now, step_) - 1;  // buckets with (k + 1) * step <= now
  const int64_t upto = std::min(consumable, s.history.last_present());
  if (s.history.last_present() == INT64_MIN || s.first_data == INT64_MAX || upto < s.first_data)
    return;
  if (!s.model) {
    s.model = std::get<std::unique_ptr<fc::Model>>(fc::MakeModel(spec_));
    s.served = served_prototype_;
    const double replay = ToSeconds(policy_.scale_down_hold) + ToSeconds(policy_.lead);
    const int64_t limit = std::min(upto, FloorDiv(now - replay, step_) - 1);
    int64_t start = limit - Mod(limit + s.phase, refit_steps_);
    start = std::clamp(start, std::max(s.first_data, s.history.first()), upto);
    FitAt(s, start);
    s.model_seen = start;
    DecideAt(s, start);
  }
  for (int64_t k = s.model_seen + 1; k <= upto; ++k) {
    if (IsRefitBucket(s, k))
      FitAt(s, k);
    else
      s.model->Update(s.history.At(k));
    s.model_seen = k;
    DecideAt(s, k);
  }
}

void PolicyRunner::Advance(double now) {
  // Models start only on the whole start-up window: fitted on part of it, they would differ from
  // those of a replica that loaded it at once.
  if (!backfilled_) return;
  std::vector<SeriesState*> all;
  all.reserve(series_.size());
  for (auto& [labels, s] : series_) all.push_back(s.get());
  const size_t threads = std::min<size_t>(std::max(1, options_.threads), all.size() / 16 + 1);
  if (threads <= 1) {
    for (SeriesState* s : all) AdvanceSeries(*s, now);
    return;
  }
  std::vector<std::thread> workers;
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([this, &all, t, threads, now] {
      for (size_t i = t; i < all.size(); i += threads) AdvanceSeries(*all[i], now);
    });
  }
  for (std::thread& w : workers) w.join();
}

double PolicyRunner::ServedForecastValue(const SeriesState& s, double now) const {
  const double observed = std::isfinite(s.observed) ? s.observed : 0;
  if (!s.decided) return observed;
  // When the data stops (Prometheus down), keep deciding on the model's forecast for the current
  // time, never below what was served.
  const int64_t now_k = FloorDiv(now, step_);
  if (now_k - (s.model_seen + 1) <= 2) return s.decision;
  const double at = static_cast<double>(now_k) * step_;
  const auto [first, last] = policies::ForecastSteps(at, static_cast<double>(s.model_seen) * step_,
                                                     step_, ToSeconds(policy_.lead));
  const std::vector<fc::ForecastPoint> path =
      s.model->Forecast(std::min(last, 100000), policy_.quantile);
  policies::ServedForecast provisional = *s.served;
  return std::max(s.decision, provisional.Decide(at, static_cast<double>(s.model_seen) * step_,
                                                 step_, s.prev_value, path));
}

void PolicyRunner::AppendServed(double now, std::vector<ServedMetric>* out,
                                std::vector<AuditRecord>* audit) {
  ServedMetric observed{policy_.observed_metric, policy_.name, ServedMetric::State::kOk, "", {}};
  ServedMetric forecast{policy_.forecast_metric, policy_.name, ServedMetric::State::kOk, "", {}};
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
      if (!std::isfinite(s.observed)) continue;
      const auto at = std::chrono::system_clock::time_point(
          std::chrono::milliseconds(static_cast<int64_t>(std::llround(s.observed_time * 1000))));
      // Never below what is observed now, even before the newest bucket reaches the model.
      const double value = std::max(ServedForecastValue(s, now), s.observed);
      observed.values.push_back({policy_.observed_metric, labels, at, window, s.observed, ""});
      forecast.values.push_back({policy_.forecast_metric, labels, at, window, value, ""});
      if (value != s.published && audit) {
        audit->push_back({s.decision_time, policy_.forecast_metric, labels, value,
                          std::isfinite(s.published) ? s.published : 0, s.observed,
                          s.model ? s.model->name() : "observed (no model yet)",
                          static_cast<double>(s.fit_bucket) * step_, age});
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
    st.forecast_mae += s->mae;
    st.naive_mae += s->naive_mae;
    st.refits += s->fits;
  }
  return st;
}

size_t PolicyRunner::history_bytes() const {
  return series_.size() * static_cast<size_t>(window_steps_) * sizeof(float);
}

}  // namespace prescale::adapter
