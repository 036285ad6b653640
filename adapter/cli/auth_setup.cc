#include "adapter/cli/auth_setup.h"

#include <cctype>
#include <set>
#include "apiserver/delegated_reviewers.h"
#include "apiserver/kube_client.h"

#include "common/duration.h"
#include "common/log.h"

namespace prescale::cli {
namespace {

using namespace apiserver;

std::chrono::milliseconds Ttl(const std::string& flag, const std::string& value) {
  std::string error;
  const std::optional<Duration> d = ParseDuration(value, &error);
  if (!d) throw SetupError(2, flag + ": " + error);
  return *d;
}

// The kube-apiserver client from a kubeconfig flag, else in-cluster; null when neither exists.
std::shared_ptr<const KubeClient> Client(const std::string& flag, const std::string& kubeconfig) {
  std::string error;
  std::optional<KubeClientConfig> config;
  if (!kubeconfig.empty()) {
    config = LoadKubeconfig(kubeconfig, &error);
    if (!config) throw SetupError(2, flag + ": " + error);
  } else {
    config = InClusterConfig(&error);
    if (!config) return nullptr;
  }
  return std::make_shared<const KubeClient>(*config, std::chrono::seconds(10));
}

bool IsLoopback(const std::string& address) {
  return address == "localhost" || address == "::1" || address.rfind("127.", 0) == 0;
}

}  // namespace

AuthComponents BuildAuth(const ServeOptions& o) {
  AuthComponents out;
  // --kubeconfig stands in for either kubeconfig flag left empty, as in Kubernetes components.
  const std::string& authn_kubeconfig =
      o.authentication_kubeconfig.empty() ? o.kubeconfig : o.authentication_kubeconfig;
  const std::string& authz_kubeconfig =
      o.authorization_kubeconfig.empty() ? o.kubeconfig : o.authorization_kubeconfig;
  const auto authn_client = Client(o.authentication_kubeconfig.empty() && !o.kubeconfig.empty()
                                       ? "--kubeconfig"
                                       : "--authentication-kubeconfig",
                                   authn_kubeconfig);
  const bool always_allow = o.authorization_mode == "AlwaysAllow";
  const auto authz_client = always_allow
                                ? nullptr
                                : Client(o.authorization_kubeconfig.empty() && !o.kubeconfig.empty()
                                             ? "--kubeconfig"
                                             : "--authorization-kubeconfig",
                                         authz_kubeconfig);
  if (!always_allow && !authz_client) {
    throw SetupError(2,
                     "no --authorization-kubeconfig and not running in a cluster: requests "
                     "cannot be authorized (use --authorization-mode=AlwaysAllow for local "
                     "development only)");
  }
  if (!authn_client)
    log::Warn("no --authentication-kubeconfig and not in a cluster: bearer tokens will be refused");

  AuthenticationOptions authn;
  authn.username_headers = o.requestheader_username_headers;
  authn.uid_headers = o.requestheader_uid_headers;
  authn.group_headers = o.requestheader_group_headers;
  authn.extra_header_prefixes = o.requestheader_extra_headers_prefix;
  authn.anonymous = o.anonymous_auth;
  authn.token_cache_ttl =
      Ttl("--authentication-token-webhook-cache-ttl", o.authentication_token_webhook_cache_ttl);

  try {
    out.cas = ReadClientCas(o, authn_client.get(), /*startup=*/true, &authn);
    out.verifier = std::make_shared<CertificateVerifierHolder>(BuildVerifier(out.cas));
  } catch (const SetupError&) {
    throw;
  } catch (const std::exception& e) {
    throw SetupError(2, e.what());
  }
  out.read_cas = [o, authn_client] {
    return ReadClientCas(o, authn_client.get(), /*startup=*/false, nullptr);
  };

  out.authenticator = std::make_unique<Authenticator>(
      authn, authn_client ? std::make_shared<KubeTokenReviewer>(authn_client) : nullptr);

  AuthorizationOptions authz;
  authz.mode = always_allow ? AuthorizationOptions::Mode::kAlwaysAllow
                            : AuthorizationOptions::Mode::kDelegated;
  authz.always_allow_paths = o.authorization_always_allow_paths;
  authz.allowed_ttl = Ttl("--authorization-webhook-cache-authorized-ttl",
                          o.authorization_webhook_cache_authorized_ttl);
  authz.denied_ttl = Ttl("--authorization-webhook-cache-unauthorized-ttl",
                         o.authorization_webhook_cache_unauthorized_ttl);
  authz.allowed_stale_grace =
      Ttl("--authorization-cache-stale-grace", o.authorization_cache_stale_grace);
  if (always_allow && o.anonymous_auth && !IsLoopback(o.bind_address)) {
    throw SetupError(2,
                     "--authorization-mode=AlwaysAllow with anonymous requests would serve "
                     "every metric to anyone who reaches " +
                         o.bind_address +
                         ": bind to a loopback address or pass --anonymous-auth=false");
  }
  if (always_allow)
    log::Warn(
        "--authorization-mode=AlwaysAllow: every authenticated or anonymous request is allowed");
  out.authorizer = std::make_unique<Authorizer>(
      authz, authz_client ? std::make_shared<KubeAccessReviewer>(authz_client) : nullptr);
  return out;
}

void ReportRevalidations(apiserver::Authorizer& authorizer, apiserver::ServerMetrics& metrics) {
  authorizer.OnRevalidation([&metrics](apiserver::AccessReviewResult::Outcome outcome,
                                       bool queue_full) {
    using apiserver::AccessReviewResult;
    using Result = apiserver::ServerMetrics::Result;
    if (queue_full) return metrics.security().LimitHit(apiserver::Limit::kRevalidationQueue);
    metrics.RecordDelegation(apiserver::ServerMetrics::Delegation::kSubjectAccessReview,
                             outcome == AccessReviewResult::Outcome::kAllowed  ? Result::kAllowed
                             : outcome == AccessReviewResult::Outcome::kDenied ? Result::kDenied
                                                                               : Result::kError);
  });
}

}  // namespace prescale::cli
