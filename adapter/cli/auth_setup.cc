#include "adapter/cli/auth_setup.h"

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

}  // namespace

AuthComponents BuildAuth(const ServeOptions& o) {
  AuthComponents out;
  const auto authn_client = Client("--authentication-kubeconfig", o.authentication_kubeconfig);
  const bool always_allow = o.authorization_mode == "AlwaysAllow";
  const auto authz_client =
      always_allow ? nullptr : Client("--authorization-kubeconfig", o.authorization_kubeconfig);
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
  authn.group_headers = o.requestheader_group_headers;
  authn.extra_header_prefixes = o.requestheader_extra_headers_prefix;
  authn.anonymous = o.anonymous_auth;
  authn.token_cache_ttl =
      Ttl("--authentication-token-webhook-cache-ttl", o.authentication_token_webhook_cache_ttl);

  try {
    const bool lookup = o.client_ca_file.empty() && o.requestheader_client_ca_file.empty() &&
                        !o.authentication_skip_lookup && authn_client;
    if (lookup) {
      std::string error;
      std::optional<ClusterAuthentication> cluster =
          FetchClusterAuthentication(*authn_client, &error);
      if (!cluster) {
        if (!o.authentication_tolerate_lookup_failure)
          throw SetupError(1, error +
                                  " (grant the extension-apiserver-authentication-reader role, or "
                                  "pass --authentication-tolerate-lookup-failure)");
        log::Warn("continuing without the cluster's client CAs", {{"error", error}});
      } else {
        if (!cluster->requestheader_username_headers.empty())
          authn.username_headers = cluster->requestheader_username_headers;
        if (!cluster->requestheader_group_headers.empty())
          authn.group_headers = cluster->requestheader_group_headers;
        if (!cluster->requestheader_extra_headers_prefix.empty())
          authn.extra_header_prefixes = cluster->requestheader_extra_headers_prefix;
        out.verifier = CertificateVerifier::FromPem(cluster->client_ca_pem,
                                                    cluster->requestheader_client_ca_pem,
                                                    cluster->requestheader_allowed_names);
        log::Info("read client CAs from kube-system/extension-apiserver-authentication");
      }
    }
    if (!out.verifier) {
      out.verifier = std::make_unique<CertificateVerifier>(
          o.client_ca_file, o.requestheader_client_ca_file, o.requestheader_allowed_names);
    }
  } catch (const SetupError&) {
    throw;
  } catch (const std::exception& e) {
    throw SetupError(2, e.what());
  }

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
  if (always_allow)
    log::Warn(
        "--authorization-mode=AlwaysAllow: every authenticated or anonymous request is allowed");
  out.authorizer = std::make_unique<Authorizer>(
      authz, authz_client ? std::make_shared<KubeAccessReviewer>(authz_client) : nullptr);
  return out;
}

}  // namespace prescale::cli
