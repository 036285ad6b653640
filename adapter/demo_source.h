// DEMO ONLY: an in-process data source that synthesises order flow instead of reading
// Prometheus, so that `prescale serve --demo-data` shows the whole API surface on a laptop
// without any other process. Its "forecast" is the synthetic curve's own future maximum over the
// lead window: it demonstrates the serving path, not prescale's forecasting.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "adapter/snapshot.h"
#include "policies/policy.h"

namespace prescale::adapter {

class DemoDataSource {
 public:
  using OnPublish = std::function<void(const Snapshot&)>;

  // Serves each policy with `series_per_policy` series labelled venue=<name>. Publishes to
  // `holder` every `config.refresh` from Start() to Stop(). `holder` must outlive this object.
  DemoDataSource(policies::Config config, SnapshotHolder& holder, int series_per_policy,
                 OnPublish on_publish);
  ~DemoDataSource();

  void Start();
  void Stop();

  // The synthetic demand of series `index` at Unix time `t` (deterministic): an intraday
  // U-shape in New York trading hours with open and close spikes. Exposed for tests.
  static double Demand(double t, int index);
  // Builds one snapshot for time `now` (exposed for tests).
  std::shared_ptr<const Snapshot> Build(std::chrono::system_clock::time_point now) const;

 private:
  void Run();

  policies::Config config_;
  SnapshotHolder& holder_;
  int series_per_policy_;
  OnPublish on_publish_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace prescale::adapter
