#include "adapter/cli/auth_setup.h"

#include <cctype>
#include <set>
#include "apiserver/delegated_reviewers.h"
#include "apiserver/kube_client.h"

#include "common/duration.h"
#include "common/log.h"
#include "common/read_file.h"

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

std::string ReadCa(const std::string& flag, const std::string& path) {
  if (path.empty()) return "";
  std::optional<std::string> text = ReadFile(path);
  if (!text) throw SetupError(2, flag + ": cannot read " + path);
  return std::move(*text);
}

// The PEM blocks of a bundle, for comparing two bundles.
std::set<std::string> PemBlocks(const std::string& pem) {
  std::set<std::string> blocks;
  static constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  for (size_t at = pem.find("-----BEGIN CERTIFICATE-----"); at != std::string::npos;) {
    const size_t end = pem.find(kEnd, at);
    if (end == std::string::npos) break;
    std::string block;
    for (char c : std::string_view(pem).substr(at, end - at)) {
      if (!std::isspace(static_cast<unsigned char>(c))) block.push_back(c);
    }
    blocks.insert(std::move(block));
    at = pem.find("-----BEGIN CERTIFICATE-----", end);
  }
  return blocks;
}

// The CAs from the flags; each one missing is taken from the cluster's
// extension-apiserver-authentication ConfigMap, as k8s.io/apiserver does, and with the
// front-proxy CA come the ConfigMap's header names and allowed names.
std::unique_ptr<CertificateVerifier> BuildVerifier(const ServeOptions& o, const KubeClient* client,
                                                   AuthenticationOptions* authn) {
  std::string client_pem = ReadCa("--client-ca-file", o.client_ca_file);
  std::string front_pem = ReadCa("--requestheader-client-ca-file", o.requestheader_client_ca_file);
  std::vector<std::string> allowed = o.requestheader_allowed_names;
  std::string client_label = "--client-ca-file " + o.client_ca_file;
  std::string front_label = "--requestheader-client-ca-file " + o.requestheader_client_ca_file;
  const bool missing = o.client_ca_file.empty() || o.requestheader_client_ca_file.empty();
  if (missing && !o.authentication_skip_lookup && client) {
    std::string error;
    std::optional<ClusterAuthentication> cluster = FetchClusterAuthentication(*client, &error);
    if (!cluster) {
      if (!o.authentication_tolerate_lookup_failure)
        throw SetupError(1, error +
                                " (grant the extension-apiserver-authentication-reader role, or "
                                "pass --authentication-tolerate-lookup-failure)");
      log::Warn("continuing without the cluster's client CAs", {{"error", error}});
    } else {
      constexpr const char* kConfigMap = "kube-system/extension-apiserver-authentication";
      if (o.client_ca_file.empty()) {
        client_pem = cluster->client_ca_pem;
        client_label = std::string(kConfigMap) + " client-ca-file";
      }
      if (o.requestheader_client_ca_file.empty()) {
        front_pem = cluster->requestheader_client_ca_pem;
        front_label = std::string(kConfigMap) + " requestheader-client-ca-file";
        allowed = cluster->requestheader_allowed_names;
        if (!cluster->requestheader_username_headers.empty())
          authn->username_headers = cluster->requestheader_username_headers;
        if (!cluster->requestheader_uid_headers.empty())
          authn->uid_headers = cluster->requestheader_uid_headers;
        if (!cluster->requestheader_group_headers.empty())
          authn->group_headers = cluster->requestheader_group_headers;
        if (!cluster->requestheader_extra_headers_prefix.empty())
          authn->extra_header_prefixes = cluster->requestheader_extra_headers_prefix;
      }
      log::Info("read the missing client CAs from " + std::string(kConfigMap),
                {{"client_ca", o.client_ca_file.empty()},
                 {"front_proxy_ca", o.requestheader_client_ca_file.empty()}});
    }
  }
  if (!front_pem.empty() && allowed.empty())
    log::Warn(
        "front-proxy CA without allowed names: any certificate it signed may assert any "
        "user in X-Remote-User (set --requestheader-allowed-names)");
  const std::set<std::string> client_blocks = PemBlocks(client_pem);
  for (const std::string& block : PemBlocks(front_pem)) {
    if (client_blocks.count(block)) {
      log::Warn(
          "the client CA and the front-proxy CA share a certificate: a client certificate "
          "could then act as the front proxy if its name is allowed");
      break;
    }
  }
  return CertificateVerifier::FromPem(client_pem, front_pem, std::move(allowed), client_label,
                                      front_label);
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
    out.verifier = BuildVerifier(o, authn_client.get(), &authn);
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

}  // namespace prescale::cli
