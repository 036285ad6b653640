#include "apiserver/server_metrics.h"

#include <string>

namespace prescale::apiserver {

std::string_view RoutePath(Route route) {
  switch (route) {
    case Route::kList:
      return "/apis/external.metrics.k8s.io/v1beta1/namespaces/{namespace}/{metric}";
    case Route::kResourceList:
      return "/apis/external.metrics.k8s.io/v1beta1";
    case Route::kGroup:
      return "/apis/external.metrics.k8s.io";
    case Route::kCustomList:
      return "/apis/custom.metrics.k8s.io/{version}/.../{metric}";
    case Route::kCustomResourceList:
      return "/apis/custom.metrics.k8s.io/{version}";
    case Route::kCustomGroup:
      return "/apis/custom.metrics.k8s.io";
    case Route::kApis:
      return "/apis";
    case Route::kOpenApiV2:
      return "/openapi/v2";
    case Route::kOpenApiV3:
      return "/openapi/v3";
    case Route::kVersion:
      return "/version";
    case Route::kHealthz:
      return "/healthz";
    case Route::kLivez:
      return "/livez";
    case Route::kReadyz:
      return "/readyz";
    case Route::kMetrics:
      return "/metrics";
    case Route::kOther:
    case Route::kCount:
      break;
  }
  return "other";
}

ServerMetrics::ServerMetrics(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("prescale_http_requests_total")
                    .Help("HTTPS requests answered, by route and status code.")
                    .Register(registry)),
      latency_(
          prometheus::BuildHistogram()
              .Name("prescale_http_request_duration_seconds")
              .Help("Time from a complete request to its response being handed to TLS, by route.")
              .Register(registry)),
      delegation_(
          prometheus::BuildCounter()
              .Name("prescale_delegation_requests_total")
              .Help("TokenReview and SubjectAccessReview calls to the kube-apiserver, by result.")
              .Register(registry)),
      certificate_reloads_(prometheus::BuildCounter()
                               .Name("prescale_serving_certificate_reloads_total")
                               .Help("Changed serving certificate files taken into use "
                                     "(success) or refused, the previous pair staying in force "
                                     "(failure).")
                               .Register(registry)),
      certificate_expiry_(prometheus::BuildGauge()
                              .Name("prescale_serving_certificate_expiry_timestamp_seconds")
                              .Help("notAfter of the HTTPS serving certificate in force.")
                              .Register(registry)),
      security_(registry) {
  certificate_reload_success_ = &certificate_reloads_.Add({{"result", "success"}});
  certificate_reload_failure_ = &certificate_reloads_.Add({{"result", "failure"}});
  certificate_not_after_ = &certificate_expiry_.Add({});
  auto& client_ca_reloads = prometheus::BuildCounter()
                                .Name("prescale_client_ca_reloads_total")
                                .Help(
                                    "Changed client or front-proxy CA bundles taken into use "
                                    "(success) or refused, the previous ones staying "
                                    "(failure).")
                                .Register(registry);
  client_ca_reload_success_ = &client_ca_reloads.Add({{"result", "success"}});
  client_ca_reload_failure_ = &client_ca_reloads.Add({{"result", "failure"}});
  const prometheus::Histogram::BucketBoundaries buckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};
  for (size_t r = 0; r < request_counters_.size(); ++r) {
    const std::string path(RoutePath(static_cast<Route>(r)));
    for (size_t c = 0; c < kCodes.size(); ++c) {
      const std::string code = kCodes[c] == 0 ? "other" : std::to_string(kCodes[c]);
      request_counters_[r][c] = &requests_.Add({{"path", path}, {"code", code}});
    }
    latency_histograms_[r] = &latency_.Add({{"path", path}}, buckets);
  }
  const char* kinds[] = {"tokenreview", "subjectaccessreview"};
  const char* results[] = {"allowed", "denied", "error"};
  for (size_t k = 0; k < 2; ++k) {
    for (size_t r = 0; r < 3; ++r) {
      delegation_counters_[k][r] = &delegation_.Add({{"kind", kinds[k]}, {"result", results[r]}});
    }
  }
}

void ServerMetrics::RecordRequest(Route route, int code, double seconds) {
  const size_t r = static_cast<size_t>(route);
  size_t c = kCodes.size() - 1;
  for (size_t i = 0; i + 1 < kCodes.size(); ++i) {
    if (kCodes[i] == code) c = i;
  }
  request_counters_[r][c]->Increment();
  latency_histograms_[r]->Observe(seconds);
}

void ServerMetrics::RecordDelegation(Delegation kind, Result result) {
  delegation_counters_[static_cast<size_t>(kind)][static_cast<size_t>(result)]->Increment();
}

void ServerMetrics::RecordCertificateReload(bool ok) {
  (ok ? certificate_reload_success_ : certificate_reload_failure_)->Increment();
}

void ServerMetrics::RecordClientCaReload(bool ok) {
  (ok ? client_ca_reload_success_ : client_ca_reload_failure_)->Increment();
}

void ServerMetrics::SetCertificateExpiry(double unix_seconds) {
  certificate_not_after_->Set(unix_seconds);
}

}  // namespace prescale::apiserver
