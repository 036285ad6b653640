#include "adapter/cli/client_cas.h"

#include <cctype>
#include <set>
#include <stdexcept>

#include "adapter/cli/auth_setup.h"
#include "apiserver/delegated_reviewers.h"
#include "common/log.h"
#include "common/read_file.h"

namespace prescale::cli {
namespace {

using apiserver::ClusterAuthentication;

constexpr const char* kConfigMap = "kube-system/extension-apiserver-authentication";

[[noreturn]] void Fail(bool startup, int exit_code, const std::string& message) {
  if (startup) throw SetupError(exit_code, message);
  throw std::runtime_error(message);
}

std::string ReadCa(const std::string& flag, const std::string& path, bool startup) {
  if (path.empty()) return "";
  std::optional<std::string> text = ReadFile(path);
  if (!text) Fail(startup, 2, flag + ": cannot read " + path);
  return std::move(*text);
}

// The PEM blocks of a bundle, for comparing two bundles.
std::set<std::string> PemBlocks(const std::string& pem) {
  std::set<std::string> blocks;
  static constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  static constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  for (size_t at = pem.find(kBegin); at != std::string::npos;) {
    const size_t end = pem.find(kEnd, at);
    if (end == std::string::npos) break;
    std::string block;
    for (char c : std::string_view(pem).substr(at, end - at)) {
      if (!std::isspace(static_cast<unsigned char>(c))) block.push_back(c);
    }
    blocks.insert(std::move(block));
    at = pem.find(kBegin, end);
  }
  return blocks;
}

}  // namespace

ClientCas ReadClientCas(const ServeOptions& o, const apiserver::KubeClient* client, bool startup,
                        apiserver::AuthenticationOptions* authn) {
  ClientCas cas;
  cas.client_pem = ReadCa("--client-ca-file", o.client_ca_file, startup);
  cas.front_pem = ReadCa("--requestheader-client-ca-file", o.requestheader_client_ca_file, startup);
  cas.allowed_names = o.requestheader_allowed_names;
  cas.client_label = "--client-ca-file " + o.client_ca_file;
  cas.front_label = "--requestheader-client-ca-file " + o.requestheader_client_ca_file;
  const bool missing = o.client_ca_file.empty() || o.requestheader_client_ca_file.empty();
  if (!missing || o.authentication_skip_lookup || !client) return cas;
  std::string error;
  std::optional<ClusterAuthentication> cluster = FetchClusterAuthentication(*client, &error);
  if (!cluster) {
    if (startup && o.authentication_tolerate_lookup_failure) {
      log::Warn("continuing without the cluster's client CAs (retried in the background)",
                {{"error", error}});
      cas.from_config_map = true;  // so the watcher keeps asking
      return cas;
    }
    Fail(startup, 1,
         error +
             " (grant the extension-apiserver-authentication-reader role, or pass "
             "--authentication-tolerate-lookup-failure)");
  }
  cas.from_config_map = true;
  if (o.client_ca_file.empty()) {
    cas.client_pem = cluster->client_ca_pem;
    cas.client_label = std::string(kConfigMap) + " client-ca-file";
  }
  if (o.requestheader_client_ca_file.empty()) {
    cas.front_pem = cluster->requestheader_client_ca_pem;
    cas.front_label = std::string(kConfigMap) + " requestheader-client-ca-file";
    cas.allowed_names = cluster->requestheader_allowed_names;
    if (startup && authn) {
      if (!cluster->requestheader_username_headers.empty())
        authn->username_headers = cluster->requestheader_username_headers;
      if (!cluster->requestheader_uid_headers.empty())
        authn->uid_headers = cluster->requestheader_uid_headers;
      if (!cluster->requestheader_group_headers.empty())
        authn->group_headers = cluster->requestheader_group_headers;
      if (!cluster->requestheader_extra_headers_prefix.empty())
        authn->extra_header_prefixes = cluster->requestheader_extra_headers_prefix;
    }
  }
  if (startup)
    log::Info("read the missing client CAs from " + std::string(kConfigMap),
              {{"client_ca", o.client_ca_file.empty()},
               {"front_proxy_ca", o.requestheader_client_ca_file.empty()}});
  return cas;
}

std::shared_ptr<const apiserver::CertificateVerifier> BuildVerifier(const ClientCas& cas) {
  if (!cas.front_pem.empty() && cas.allowed_names.empty())
    log::Warn(
        "front-proxy CA without allowed names: any certificate it signed may assert any "
        "user in X-Remote-User (set --requestheader-allowed-names)");
  const std::set<std::string> client_blocks = PemBlocks(cas.client_pem);
  for (const std::string& block : PemBlocks(cas.front_pem)) {
    if (client_blocks.count(block)) {
      log::Warn(
          "the client CA and the front-proxy CA share a certificate: a client certificate "
          "could then act as the front proxy if its name is allowed");
      break;
    }
  }
  return apiserver::CertificateVerifier::FromPem(cas.client_pem, cas.front_pem, cas.allowed_names,
                                                 cas.client_label, cas.front_label);
}

ClientCaWatcher::ClientCaWatcher(Reader read, ClientCas current,
                                 std::shared_ptr<apiserver::CertificateVerifierHolder> holder,
                                 apiserver::ServerMetrics* metrics,
                                 std::chrono::milliseconds file_period,
                                 std::chrono::milliseconds config_map_period)
    : read_(std::move(read)),
      current_(std::move(current)),
      holder_(std::move(holder)),
      metrics_(metrics),
      file_period_(file_period),
      config_map_period_(config_map_period) {}

ClientCaWatcher::~ClientCaWatcher() { Stop(); }

void ClientCaWatcher::Start() {
  thread_ = std::thread([this] { Run(); });
}

void ClientCaWatcher::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ClientCaWatcher::Run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    const auto period = current_.from_config_map ? config_map_period_ : file_period_;
    if (stop_cv_.wait_for(lock, period, [this] { return stop_; })) break;
    lock.unlock();
    Check();
    lock.lock();
  }
}

void ClientCaWatcher::Check() {
  try {
    ClientCas next = read_();
    if (next == current_) return;
    holder_->Set(BuildVerifier(next));
    current_ = std::move(next);
    if (metrics_) metrics_->RecordClientCaReload(true);
    log::Info("client CA bundles reloaded: new connections are verified against them",
              {{"client_ca", current_.client_label}, {"front_proxy_ca", current_.front_label}});
  } catch (const std::exception& e) {
    if (metrics_) metrics_->RecordClientCaReload(false);
    log::Error("client CA bundles not reloaded; the previous ones stay in force",
               {{"error", e.what()}});
  }
}

}  // namespace prescale::cli
