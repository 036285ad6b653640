// prescale's own metrics of the API surface: requests by path and code, their latency, the
// outcome of delegated authentication and authorization, and the serving certificate.
// Thread-safe.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <string_view>

#include "apiserver/security_metrics.h"

namespace prescale::apiserver {

// The routes of the HTTP surface; the `path` label of the request metrics, so that its
// cardinality stays bounded whatever clients send.
enum class Route {
  kList,
  kResourceList,
  kGroup,
  kCustomList,
  kCustomResourceList,
  kCustomGroup,
  kApis,
  kOpenApiV2,
  kOpenApiV3,
  kVersion,
  kHealthz,
  kLivez,
  kReadyz,
  kMetrics,
  kOther,
  kCount
};
std::string_view RoutePath(Route route);

class ServerMetrics {
 public:
  explicit ServerMetrics(prometheus::Registry& registry);

  void RecordRequest(Route route, int code, double seconds);
  enum class Delegation { kTokenReview, kSubjectAccessReview };
  enum class Result { kAllowed, kDenied, kError };
  void RecordDelegation(Delegation kind, Result result);
  // A changed serving certificate taken into use (ok) or refused; the expiry of the one in force.
  void RecordCertificateReload(bool ok);
  // Changed client or front-proxy CA bundles taken into use (ok) or refused.
  void RecordClientCaReload(bool ok);
  void SetCertificateExpiry(double unix_seconds);
  // The security signals (a SecurityMetrics on the same registry, so shared with other surfaces).
  SecurityMetrics& security() { return security_; }

 private:
  static constexpr std::array<int, 10> kCodes = {200, 400, 401, 403, 404, 405, 406, 500, 503, 0};
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Family<prometheus::Counter>& delegation_;
  prometheus::Family<prometheus::Counter>& certificate_reloads_;
  prometheus::Family<prometheus::Gauge>& certificate_expiry_;
  // Pre-created series: no label lookups on the request path.
  std::array<std::array<prometheus::Counter*, kCodes.size()>, static_cast<size_t>(Route::kCount)>
      request_counters_{};
  std::array<prometheus::Histogram*, static_cast<size_t>(Route::kCount)> latency_histograms_{};
  std::array<std::array<prometheus::Counter*, 3>, 2> delegation_counters_{};
  prometheus::Counter* certificate_reload_success_ = nullptr;
  prometheus::Counter* certificate_reload_failure_ = nullptr;
  prometheus::Counter* client_ca_reload_success_ = nullptr;
  prometheus::Counter* client_ca_reload_failure_ = nullptr;
  prometheus::Gauge* certificate_not_after_ = nullptr;
  SecurityMetrics security_;
};

}  // namespace prescale::apiserver
