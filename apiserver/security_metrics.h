// Security signals an operator alerts on: failed authentication and denied authorization by
// surface and reason, and every bound that refused work, by kind. One instance per process,
// shared by the HTTPS server, the gRPC server and the Prometheus client. Thread-safe; every
// series exists from start-up at 0, so a rate() over them is defined before the first event.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <array>
#include <string_view>

namespace prescale::apiserver {

enum class Surface { kHttps, kGrpc, kCount };

// Why a presented credential did not authenticate.
enum class AuthnFailure {
  kInvalidToken,          // TokenReview said no
  kUntrustedCertificate,  // a client certificate no configured CA verifies
  kExpiredCertificate,    // expired (or not yet valid) client certificate
  kFrontProxyNotAllowed,  // a front-proxy certificate whose name is not allowed
  kMalformedCredential,   // a token or header that cannot be a credential (bytes, size)
  kReviewError,           // the kube-apiserver could not be asked (fail closed)
  kNoCredentials,         // none presented while anonymous requests are disabled
  kCount
};

// Why an authenticated (or anonymous) caller was refused.
enum class AuthzDenial {
  kDenied,          // SubjectAccessReview (or the mode) said no
  kReviewError,     // the kube-apiserver could not be asked (fail closed)
  kNameNotAllowed,  // gRPC: a client certificate not in --grpc-allowed-names
  kCount
};

// A bound that refused work (see the README's table of limits).
enum class Limit {
  kConnections,            // concurrent HTTPS connections
  kHeaderBytes,            // request header fields (431)
  kUriBytes,               // request target (414)
  kBodyBytes,              // request body (413)
  kRequestTimeout,         // a request not delivered in time (408, slowloris)
  kSelector,               // label selector size or requirement count
  kReviewQueue,            // delegation queue full (429)
  kAcceptError,            // accept() failed (e.g. out of file descriptors), backed off
  kGrpcMetadata,           // ScaledObject metadata too large
  kGrpcStreams,            // concurrent gRPC streams
  kPrometheusAnswerBytes,  // a Prometheus answer larger than allowed
  kPrometheusSeries,       // more series than a policy allows
  kFutureSamples,          // samples stamped outside the queried range (future or past), refused
  kHistoryMemory,          // series not created: the series history budget is spent
  kRevalidationQueue,      // an expired allow's background re-review not queued (queue full)
  kCount
};

std::string_view SurfaceName(Surface surface);
std::string_view AuthnFailureName(AuthnFailure reason);
std::string_view AuthzDenialName(AuthzDenial reason);
std::string_view LimitName(Limit kind);

class SecurityMetrics {
 public:
  explicit SecurityMetrics(prometheus::Registry& registry);

  void AuthenticationFailed(Surface surface, AuthnFailure reason, double count = 1);
  void AuthorizationDenied(Surface surface, AuthzDenial reason, double count = 1);
  void LimitHit(Limit kind, double count = 1);

 private:
  static constexpr size_t kSurfaces = static_cast<size_t>(Surface::kCount);
  std::array<std::array<prometheus::Counter*, static_cast<size_t>(AuthnFailure::kCount)>, kSurfaces>
      authn_{};
  std::array<std::array<prometheus::Counter*, static_cast<size_t>(AuthzDenial::kCount)>, kSurfaces>
      authz_{};
  std::array<prometheus::Counter*, static_cast<size_t>(Limit::kCount)> limits_{};
};

}  // namespace prescale::apiserver
