#include "policies/series_pipeline.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "forecasting/recurring_events.h"
#include "policies/decision.h"
#include "policies/model_spec.h"

namespace prescale::policies {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

int64_t FloorDiv(double t, double step) {
  return static_cast<int64_t>(std::floor(t / step + 1e-9));
}

int64_t Mod(int64_t a, int64_t n) { return ((a % n) + n) % n; }

int64_t Steps(Duration d, double step) {
  return std::max<int64_t>(1, static_cast<int64_t>(std::llround(ToSeconds(d) / step)));
}

}  // namespace

std::variant<std::shared_ptr<const PipelineSettings>, std::string> PipelineSettings::Create(
    const Policy& policy, double step_seconds, ModelFactory make_model,
    std::shared_ptr<FitCache> fit_cache) {
  const bool learn = policy.learn_events && !make_model;
  forecasting::ModelSpec model_spec = ModelSpecFor(policy, step_seconds);
  if (!make_model) {
    const forecasting::ModelSpec spec = model_spec;
    auto probe = forecasting::MakeModel(spec);
    if (auto* e = std::get_if<forecasting::ModelError>(&probe))
      return "policy " + policy.name + ": " + e->message;
    make_model = [spec] {
      return std::get<std::unique_ptr<forecasting::Model>>(forecasting::MakeModel(spec));
    };
  }
  std::string why;
  std::optional<ServedForecast> served = ServedForecast::Create(policy, &why);
  if (!served) return "policy " + policy.name + ": " + why;
  auto settings = std::shared_ptr<PipelineSettings>(
      new PipelineSettings(policy, step_seconds, std::move(make_model), std::move(*served)));
  settings->fit_cache_ = std::move(fit_cache);
  if (learn) {
    settings->learn_events_ = true;
    settings->spec_ = std::move(model_spec);
    for (const forecasting::EventSpec& e : policy.events) {
      forecasting::CalendarError error;
      if (auto event = forecasting::ScheduledEvent::Create(e, &error))
        settings->configured_.push_back(std::move(*event));
    }
  }
  return std::shared_ptr<const PipelineSettings>(std::move(settings));
}

PipelineSettings::PipelineSettings(const Policy& policy, double step, ModelFactory make_model,
                                   ServedForecast served)
    : make_model_(std::move(make_model)),
      served_(std::move(served)),
      step_(step),
      grace_(ToSeconds(policy.grace)),
      lead_(ToSeconds(policy.lead)),
      replay_(ToSeconds(policy.scale_down_hold) + ToSeconds(policy.lead)),
      quantile_(policy.quantile) {
  history_steps_ =
      std::max<int64_t>(1, static_cast<int64_t>(std::ceil(ToSeconds(policy.history) / step_)));
  refit_steps_ = Steps(policy.refit_every, step_);
  window_steps_ = history_steps_ + refit_steps_ +
                  static_cast<int64_t>(std::ceil((replay_ + grace_) / step_)) + 4;
  horizon_ = served_.HorizonSteps(step_);
}

int64_t PipelineSettings::SettledBucket(double now) const {
  return FloorDiv(now - grace_, step_) - 1;  // buckets with (k + 1) * step + grace <= now
}

uint64_t StableLabelHash(const std::map<std::string, std::string, std::less<>>& labels) {
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

SeriesPipeline::SeriesPipeline(std::shared_ptr<const PipelineSettings> settings,
                               uint64_t label_hash)
    : settings_(std::move(settings)),
      history_(settings_->window_steps()),
      phase_(static_cast<int64_t>(label_hash % static_cast<uint64_t>(settings_->refit_steps()))),
      prev_prediction_(kNaN),
      prev_value_(kNaN) {
  exact_.fill({INT64_MIN, kNaN});
}

double SeriesPipeline::ValueAt(int64_t k) const {
  const auto& [bucket, value] = exact_[static_cast<size_t>(Mod(k, kExact))];
  return bucket == k ? value : history_.At(k);
}

SeriesPipeline::~SeriesPipeline() = default;
SeriesPipeline::SeriesPipeline(SeriesPipeline&&) noexcept = default;

std::string SeriesPipeline::model_name() const {
  return model_ ? model_->name() : "observed (no model yet)";
}

void SeriesPipeline::Put(int64_t k, double value) {
  history_.Put(k, value);
  auto& exact = exact_[static_cast<size_t>(Mod(k, kExact))];
  if (k >= exact.first) exact = {k, std::isfinite(value) ? value : kNaN};
  if (std::isfinite(value)) first_data_ = std::min(first_data_, k);
}

bool SeriesPipeline::IsRefitBucket(int64_t k) const {
  if (Mod(k + phase_, settings_->refit_steps()) == 0) return true;
  // While history is short, refit whenever it doubles, so the cold-start chain advances.
  return fit_count_ < settings_->history_steps() && first_data_ != INT64_MAX &&
         k - first_data_ + 1 >= 2 * fit_count_;
}

void SeriesPipeline::FitAt(int64_t k) {
  const int64_t from =
      std::max({history_.first(), k - settings_->history_steps() + 1, first_data_});
  // Not kept per series: with thousands of series the copies would double the history's memory.
  thread_local std::vector<double> window;
  history_.Copy(from, k, &window);
  FitCache* cache = settings_->fit_cache_.get();
  const FitCache::Key key = cache ? FitCache::KeyOf(k, from, window) : FitCache::Key{};
  std::optional<FitCache::Fit> hit = cache ? cache->Find(key) : std::nullopt;
  if (hit) {
    // The same window under the same spec: the events and the model another pipeline found.
    if (settings_->learn_events_)
      AdoptLearned(hit->learned, from + static_cast<int64_t>(window.size()));
    model_ = hit->model->Clone();
  } else {
    if (settings_->learn_events_) LearnEvents(from, window);
    model_->Fit(static_cast<double>(from) * settings_->step(), window);
    if (cache)
      cache->Put(key, {learned_, std::shared_ptr<const forecasting::Model>(model_->Clone())});
  }
  if (window.capacity() > (size_t{1} << 20)) std::vector<double>().swap(window);
  fit_bucket_ = k;
  fit_count_ = std::max<int64_t>(1, k - from + 1);
  ++fits_;
}

void SeriesPipeline::LearnEvents(int64_t from, const std::vector<double>& window) {
  const double step = settings_->step();
  std::vector<double> clean(window.size());
  for (size_t i = 0; i < window.size(); ++i) clean[i] = std::isfinite(window[i]) ? window[i] : 0;
  std::vector<forecasting::EventSpec> found = forecasting::FindRecurringEvents(
      static_cast<double>(from) * step, step, clean, settings_->configured_);
  if (!AdoptLearned(std::move(found), from + static_cast<int64_t>(window.size()))) return;
  forecasting::ModelSpec spec = settings_->spec_;
  spec.events.insert(spec.events.end(), learned_.begin(), learned_.end());
  model_ = std::get<std::unique_ptr<forecasting::Model>>(forecasting::MakeModel(spec));
}

bool SeriesPipeline::AdoptLearned(std::vector<forecasting::EventSpec> found, int64_t end) {
  if (found == learned_) return false;
  const double now = static_cast<double>(end) * settings_->step();
  for (const forecasting::EventSpec& e : found) {
    const bool known = std::any_of(learned_log_.begin(), learned_log_.end(),
                                   [&](const Learned& l) { return l.event == e; });
    if (!known) learned_log_.push_back({e, now});
  }
  learned_ = std::move(found);
  std::vector<forecasting::ScheduledEvent> events;
  for (const forecasting::EventSpec& e : learned_) {
    forecasting::CalendarError error;
    if (auto event = forecasting::ScheduledEvent::Create(e, &error)) events.push_back(*event);
  }
  served_->SetLearnedEvents(events);
  return true;
}

void SeriesPipeline::DecideAt(int64_t k) {
  const double step = settings_->step();
  const double value = history_.At(k);
  if (std::isfinite(value)) {
    if (std::isfinite(prev_prediction_)) {
      const double alpha = std::min(1.0, step / 3600.0);
      mae_ += alpha * (std::abs(value - prev_prediction_) - mae_);
      if (std::isfinite(prev_value_))
        naive_mae_ += alpha * (std::abs(value - prev_value_) - naive_mae_);
    }
    prev_value_ = value;
  }
  path_ = model_->Forecast(settings_->horizon_, settings_->quantile_);
  prev_prediction_ = path_.empty() ? kNaN : path_.front().mean;
  const double t = static_cast<double>(k + 1) * step + settings_->grace();
  decision_ = served_->Decide(t, static_cast<double>(k) * step, step, value, path_);
  decision_time_ = t;
  decided_ = true;
}

void SeriesPipeline::Start(int64_t upto, double now) {
  model_ = settings_->make_model_();
  served_ = settings_->served_;
  const int64_t limit = std::min(upto, settings_->SettledBucket(now - settings_->replay_));
  int64_t start = limit - Mod(limit + phase_, settings_->refit_steps());
  start = std::clamp(start, std::max(first_data_, history_.first()), upto);
  FitAt(start);
  model_seen_ = start;
  DecideAt(start);
}

void SeriesPipeline::Advance(double now) {
  const int64_t upto = std::min(settings_->SettledBucket(now), history_.last_present());
  if (history_.last_present() == INT64_MIN || first_data_ == INT64_MAX || upto < first_data_)
    return;
  if (!model_) Start(upto, now);
  for (int64_t k = model_seen_ + 1; k <= upto; ++k) {
    if (IsRefitBucket(k))
      FitAt(k);
    else
      model_->Update(history_.At(k));
    model_seen_ = k;
    DecideAt(k);
  }
}

std::optional<SeriesPipeline::Observation> SeriesPipeline::Observed(double now) const {
  if (history_.empty()) return std::nullopt;
  for (int64_t k = std::min(settings_->SettledBucket(now), history_.last()); k >= history_.first();
       --k) {
    const double v = ValueAt(k);
    if (std::isfinite(v)) return Observation{k, std::max(0.0, v)};
  }
  return std::nullopt;
}

double SeriesPipeline::Served(double now) const {
  const std::optional<Observation> observed = Observed(now);
  const double floor = observed ? observed->value : 0;
  if (!decided_) return floor;
  double value = decision_;
  // When the data stops, serve the model's q-forecast from the outage's start to the lead ahead
  // of now: the maximum over that window only grows, so no served value falls for lack of data.
  const int64_t settled = settings_->SettledBucket(now);
  if (settled - model_seen_ > kOutageBuckets) {
    const double step = settings_->step();
    const double last_seen_start = static_cast<double>(model_seen_) * step;
    const auto end_of = [&](int64_t k) {
      return static_cast<double>(k + 1) * step + settings_->grace();
    };
    const int first =
        ForecastSteps(end_of(model_seen_ + kOutageBuckets + 1), last_seen_start, step, 0).first;
    const int last =
        std::min(ForecastSteps(end_of(settled), last_seen_start, step, settings_->lead_).second,
                 kMaxOutageSteps);
    const std::vector<forecasting::ForecastPoint> path =
        model_->Forecast(last, settings_->quantile_);
    for (int k = first; k <= std::min<int>(last, static_cast<int>(path.size())); ++k) {
      const double q = path[static_cast<size_t>(k - 1)].quantile;
      if (std::isfinite(q)) value = std::max(value, q);
    }
  }
  return std::max(value, floor);
}

}  // namespace prescale::policies
