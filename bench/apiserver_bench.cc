// Micro-benchmarks of the request path without the network: the parts prescale does per HPA
// request (selector parsing and matching, Quantity formatting, the list response) and the whole
// handler on a 10 metrics x 100 series snapshot, for the external and the custom metrics list.
#include <benchmark/benchmark.h>
#include <prometheus/registry.h>

#include "adapter/custom_snapshot_provider.h"
#include "adapter/snapshot.h"
#include "adapter/snapshot_provider.h"
#include "apiserver/api_types.h"
#include "apiserver/handler.h"
#include "apiserver/label_selector.h"
#include "apiserver/quantity.h"

namespace {

using namespace prescale;

const char* kSelector = "venue in (v010,v011,v012,v013,v014,v015,v016,v017,v018,v019)";

std::shared_ptr<const adapter::Snapshot> MakeSnapshot() {
  std::vector<adapter::ServedMetric> metrics;
  const auto now = std::chrono::system_clock::now();
  for (int m = 0; m < 10; ++m) {
    adapter::ServedMetric metric{
        "metric_" + std::to_string(m), "p", adapter::ServedMetric::State::kOk, "", {}};
    for (int s = 0; s < 100; ++s) {
      char venue[8];
      std::snprintf(venue, sizeof venue, "v%03d", s);
      metric.values.push_back({metric.name, {{"venue", venue}}, now, 15, 1234.567 + s, ""});
    }
    // metric_3 also describes one Pod per venue (custom.metrics.k8s.io).
    if (m == 3)
      metric.object = policies::DescribedObject{"pods", "Pod", "v1", "trading", "", "", "venue"};
    metrics.push_back(std::move(metric));
  }
  return std::make_shared<const adapter::Snapshot>(now, std::move(metrics), true);
}

void BM_ParseSelector(benchmark::State& state) {
  std::string error;
  for (auto _ : state) benchmark::DoNotOptimize(apiserver::LabelSelector::Parse(kSelector, &error));
}
BENCHMARK(BM_ParseSelector);

void BM_FormatQuantity(benchmark::State& state) {
  double v = 1234.567;
  for (auto _ : state) {
    benchmark::DoNotOptimize(apiserver::FormatQuantity(v));
    v += 0.001;
  }
}
BENCHMARK(BM_FormatQuantity);

// The whole handler (authorization always allows) for `target`, answered from one snapshot.
void RunHandler(benchmark::State& state, const std::string& target) {
  adapter::SnapshotHolder holder;
  holder.Publish(MakeSnapshot());
  adapter::SnapshotProvider provider(holder);
  adapter::CustomSnapshotProvider custom(holder);
  apiserver::AuthorizationOptions authz_options;
  authz_options.mode = apiserver::AuthorizationOptions::Mode::kAlwaysAllow;
  apiserver::Authenticator authn({}, nullptr);
  apiserver::Authorizer authz(authz_options, nullptr);
  prometheus::Registry registry;
  apiserver::ServerMetrics metrics(registry);
  apiserver::HandlerOptions options;
  options.custom_metrics = &custom;
  apiserver::ApiHandler handler(provider, authn, authz, metrics, options);
  apiserver::ClientCertificate cert;
  apiserver::HttpRequest request;
  request.method = "GET";
  request.target = target;
  request.headers = {{"Accept", "application/vnd.kubernetes.protobuf, */*"}, {"Host", "localhost"}};
  request.certificate = &cert;
  size_t bytes = 0;
  int status = 0;
  for (auto _ : state) {
    auto response = handler.Handle(request, false);
    bytes = response->body.size();
    status = response->status;
    benchmark::DoNotOptimize(response);
  }
  if (status != 200) state.SkipWithError("the handler did not answer 200");
  state.counters["body_bytes"] = static_cast<double>(bytes);
}

constexpr const char* kSelectorQuery =
    "labelSelector=venue+in+%28v010%2Cv011%2Cv012%2Cv013%2Cv014%2Cv015%2Cv016%2Cv017%2Cv018%2Cv019%"
    "29";

void BM_ListHandler(benchmark::State& state) {
  RunHandler(state, std::string("/apis/external.metrics.k8s.io/v1beta1/namespaces/trading/"
                                "metric_3?") +
                        kSelectorQuery);
}
BENCHMARK(BM_ListHandler);

// The same 10 series as 10 Pods (custom.metrics.k8s.io v1beta2, Pods by labelSelector).
void BM_CustomListHandler(benchmark::State& state) {
  RunHandler(state, std::string(
                        "/apis/custom.metrics.k8s.io/v1beta2/namespaces/trading/pods/*/metric_3?") +
                        kSelectorQuery);
}
BENCHMARK(BM_CustomListHandler);

void BM_BuildSnapshot(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(MakeSnapshot());
}
BENCHMARK(BM_BuildSnapshot)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
