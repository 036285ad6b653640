// Micro-benchmarks of the request path without the network: the parts prescale does per HPA
// request (selector parsing and matching, Quantity formatting, the list response) and the whole
// handler on a 10 metrics x 100 series snapshot.
#include <benchmark/benchmark.h>
#include <prometheus/registry.h>

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

void BM_ListHandler(benchmark::State& state) {
  adapter::SnapshotHolder holder;
  holder.Publish(MakeSnapshot());
  adapter::SnapshotProvider provider(holder);
  apiserver::AuthorizationOptions authz_options;
  authz_options.mode = apiserver::AuthorizationOptions::Mode::kAlwaysAllow;
  apiserver::Authenticator authn({}, nullptr);
  apiserver::Authorizer authz(authz_options, nullptr);
  prometheus::Registry registry;
  apiserver::ServerMetrics metrics(registry);
  apiserver::ApiHandler handler(provider, authn, authz, metrics, {});
  const std::string target =
      "/apis/external.metrics.k8s.io/v1beta1/namespaces/trading/metric_3?labelSelector=venue+in+"
      "%28v010%2Cv011%2Cv012%2Cv013%2Cv014%2Cv015%2Cv016%2Cv017%2Cv018%2Cv019%29";
  apiserver::ClientCertificate cert;
  apiserver::HttpRequest request;
  request.method = "GET";
  request.target = target;
  request.headers = {{"Accept", "application/vnd.kubernetes.protobuf, */*"}, {"Host", "localhost"}};
  request.certificate = &cert;
  size_t bytes = 0;
  for (auto _ : state) {
    auto response = handler.Handle(request, false);
    bytes = response->body.size();
    benchmark::DoNotOptimize(response);
  }
  state.counters["body_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_ListHandler);

void BM_BuildSnapshot(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(MakeSnapshot());
}
BENCHMARK(BM_BuildSnapshot)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
