#include "adapter/demo_source.h"

#include <cmath>

#include "common/log.h"

namespace prescale::adapter {
namespace {

const char* kVenues[] = {"xnas", "xnys", "arcx", "bats", "iexg", "edgx", "memx", "xcis"};

std::string VenueName(int index) {
  if (index < 8) return kVenues[index];
  return "venue" + std::to_string(index);
}

// A deterministic pseudo-random number in [0, 1) from two integers (SplitMix64).
double Noise(int64_t a, int64_t b) {
  uint64_t z = static_cast<uint64_t>(a) * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(b);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) / 9007199254740992.0;
}

}  // namespace

DemoDataSource::DemoDataSource(policies::Config config, SnapshotHolder& holder,
                               int series_per_policy, OnPublish on_publish)
    : config_(std::move(config)),
      holder_(holder),
      series_per_policy_(series_per_policy),
      on_publish_(std::move(on_publish)) {}

DemoDataSource::~DemoDataSource() { Stop(); }

double DemoDataSource::Demand(double t, int index) {
  // New York trading hours in UTC (EST): open 14:30, close 21:00. Weekends are quiet.
  const double day_seconds = std::fmod(t, 86400.0);
  const int weekday = static_cast<int>(std::floor(t / 86400.0) + 4) % 7;  // 0 = Sunday
  const double open = 14.5 * 3600, close = 21 * 3600;
  const double scale = 1.0 + 0.25 * index;
  double demand = 20;  // overnight trickle
  if (weekday != 0 && weekday != 6 && day_seconds >= open - 1800 && day_seconds < close) {
    const double x = (day_seconds - open) / (close - open);  // 0 at the open, 1 at the close
    demand = day_seconds < open ? 80 : 400 + 1600 * (x - 0.5) * (x - 0.5) * 4;  // U-shape
    if (day_seconds >= open && day_seconds < open + 300) demand *= 4;           // open spike
    if (day_seconds >= close - 600) demand *= 2.5;                              // close spike
  }
  const int64_t bucket = static_cast<int64_t>(std::floor(t / 15));
  return std::round(demand * scale * (0.9 + 0.2 * Noise(bucket, index)) * 100) / 100;
}

std::shared_ptr<const Snapshot> DemoDataSource::Build(
    std::chrono::system_clock::time_point now) const {
  const double t = std::chrono::duration<double>(now.time_since_epoch()).count();
  std::vector<ServedMetric> metrics;
  for (const policies::Policy& policy : config_.policies) {
    const double step = std::chrono::duration<double>(policy.step).count();
    const double lead = std::chrono::duration<double>(policy.lead).count();
    const Visibility visibility{policy.namespaces, policy.namespace_label};
    ServedMetric observed{
        policy.observed_metric, policy.name, ServedMetric::State::kOk, "", {}, visibility,
        policy.object,          {}};
    ServedMetric forecast{
        policy.forecast_metric, policy.name, ServedMetric::State::kOk, "", {}, visibility,
        policy.object,          {}};
    const auto timestamp = std::chrono::time_point_cast<std::chrono::seconds>(now);
    for (int i = 0; i < series_per_policy_; ++i) {
      const apiserver::Labels labels{{"venue", VenueName(i)}};
      const double current = Demand(t - step, i);  // the last complete bucket
      double ahead = current;
      for (double dt = 0; dt <= lead; dt += step) ahead = std::max(ahead, Demand(t + dt, i));
      const int64_t window = static_cast<int64_t>(step);
      observed.values.push_back({policy.observed_metric, labels, timestamp, window, current, ""});
      forecast.values.push_back({policy.forecast_metric, labels, timestamp, window, ahead, ""});
    }
    metrics.push_back(std::move(observed));
    metrics.push_back(std::move(forecast));
  }
  return std::make_shared<const Snapshot>(now, std::move(metrics), /*complete=*/true);
}

void DemoDataSource::Start() {
  log::Warn("serving synthetic DEMO data, not Prometheus (--demo-data)",
            {{"policies", static_cast<int64_t>(config_.policies.size())},
             {"series_per_policy", series_per_policy_}});
  thread_ = std::thread([this] { Run(); });
}

void DemoDataSource::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DemoDataSource::Run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    std::shared_ptr<const Snapshot> snapshot = Build(std::chrono::system_clock::now());
    holder_.Publish(snapshot);
    if (on_publish_) on_publish_(*snapshot);
    lock.lock();
    cv_.wait_for(lock, config_.refresh, [this] { return stop_; });
  }
}

}  // namespace prescale::adapter
