#include "apiserver/security_metrics.h"

#include <string>

namespace prescale::apiserver {

std::string_view SurfaceName(Surface surface) {
  return surface == Surface::kGrpc ? "grpc" : "https";
}

std::string_view AuthnFailureName(AuthnFailure reason) {
  switch (reason) {
    case AuthnFailure::kInvalidToken:
      return "invalid_token";
    case AuthnFailure::kUntrustedCertificate:
      return "untrusted_certificate";
    case AuthnFailure::kExpiredCertificate:
      return "expired_certificate";
    case AuthnFailure::kFrontProxyNotAllowed:
      return "front_proxy_not_allowed";
    case AuthnFailure::kMalformedCredential:
      return "malformed_credential";
    case AuthnFailure::kNoCredentials:
      return "no_credentials";
    case AuthnFailure::kReviewError:
    case AuthnFailure::kCount:
      break;
  }
  return "review_error";
}

std::string_view AuthzDenialName(AuthzDenial reason) {
  switch (reason) {
    case AuthzDenial::kDenied:
      return "denied";
    case AuthzDenial::kNameNotAllowed:
      return "name_not_allowed";
    case AuthzDenial::kReviewError:
    case AuthzDenial::kCount:
      break;
  }
  return "review_error";
}

std::string_view LimitName(Limit kind) {
  switch (kind) {
    case Limit::kConnections:
      return "connections";
    case Limit::kHeaderBytes:
      return "header_bytes";
    case Limit::kUriBytes:
      return "uri_bytes";
    case Limit::kBodyBytes:
      return "body_bytes";
    case Limit::kRequestTimeout:
      return "request_timeout";
    case Limit::kSelector:
      return "selector";
    case Limit::kReviewQueue:
      return "review_queue";
    case Limit::kAcceptError:
      return "accept_error";
    case Limit::kGrpcMetadata:
      return "grpc_metadata";
    case Limit::kGrpcStreams:
      return "grpc_streams";
    case Limit::kPrometheusAnswerBytes:
      return "prometheus_answer_bytes";
    case Limit::kPrometheusSeries:
      return "prometheus_series";
    case Limit::kFutureSamples:
      return "future_samples";
    case Limit::kRevalidationQueue:
      return "revalidation_queue";
    case Limit::kHistoryMemory:
    case Limit::kCount:
      break;
  }
  return "history_memory";
}

SecurityMetrics::SecurityMetrics(prometheus::Registry& registry) {
  auto& authn = prometheus::BuildCounter()
                    .Name("prescale_authentication_failures_total")
                    .Help(
                        "Presented credentials that did not authenticate, by surface "
                        "(https, grpc) and reason.")
                    .Register(registry);
  auto& authz = prometheus::BuildCounter()
                    .Name("prescale_authorization_denials_total")
                    .Help(
                        "Requests refused after authentication (or anonymous), by surface "
                        "and reason.")
                    .Register(registry);
  auto& limits = prometheus::BuildCounter()
                     .Name("prescale_limit_rejections_total")
                     .Help("Work refused because a bound was reached, by kind (README, limits).")
                     .Register(registry);
  for (size_t s = 0; s < kSurfaces; ++s) {
    const std::string surface(SurfaceName(static_cast<Surface>(s)));
    for (size_t r = 0; r < authn_[s].size(); ++r) {
      authn_[s][r] =
          &authn.Add({{"surface", surface},
                      {"reason", std::string(AuthnFailureName(static_cast<AuthnFailure>(r)))}});
    }
    for (size_t r = 0; r < authz_[s].size(); ++r) {
      authz_[s][r] =
          &authz.Add({{"surface", surface},
                      {"reason", std::string(AuthzDenialName(static_cast<AuthzDenial>(r)))}});
    }
  }
  for (size_t k = 0; k < limits_.size(); ++k)
    limits_[k] = &limits.Add({{"kind", std::string(LimitName(static_cast<Limit>(k)))}});
}

void SecurityMetrics::AuthenticationFailed(Surface surface, AuthnFailure reason, double count) {
  authn_[static_cast<size_t>(surface)][static_cast<size_t>(reason)]->Increment(count);
}

void SecurityMetrics::AuthorizationDenied(Surface surface, AuthzDenial reason, double count) {
  authz_[static_cast<size_t>(surface)][static_cast<size_t>(reason)]->Increment(count);
}

void SecurityMetrics::LimitHit(Limit kind, double count) {
  limits_[static_cast<size_t>(kind)]->Increment(count);
}

}  // namespace prescale::apiserver
