// The flags of `prescale serve`, spelled as Kubernetes components spell them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "adapter/keda/keda_options.h"

namespace CLI {
class App;
}

namespace prescale::cli {

struct ServeOptions {
  std::string config_file;
  std::string prometheus_url;  // overrides prometheus.url of the policy file
  std::string prometheus_token_file;
  std::string prometheus_basic_auth_file;  // user:password; exclusive with the token file
  std::string prometheus_ca_file;
  std::string prometheus_client_cert_file;  // mTLS to Prometheus, with the key file
  std::string prometheus_client_key_file;
  std::vector<std::string> prometheus_headers;                // NAME=VALUE, repeatable
  std::string prometheus_timeout;                             // overrides prometheus.timeout
  uint64_t prometheus_max_answer_bytes = uint64_t{64} << 20;  // larger answers: too_large
  uint64_t max_history_bytes = uint64_t{512} << 20;           // series history of all policies

  int secure_port = 6443;
  std::string bind_address = "0.0.0.0";
  std::string tls_cert_file;
  std::string tls_private_key_file;
  std::string cert_dir = "apiserver.local.config/certificates";

  std::string client_ca_file;
  std::string requestheader_client_ca_file;
  std::vector<std::string> requestheader_allowed_names;
  std::vector<std::string> requestheader_username_headers = {"X-Remote-User"};
  std::vector<std::string> requestheader_uid_headers;
  std::vector<std::string> requestheader_group_headers = {"X-Remote-Group"};
  std::vector<std::string> requestheader_extra_headers_prefix = {"X-Remote-Extra-"};
  std::string authentication_kubeconfig;
  std::string authorization_kubeconfig;
  bool authentication_skip_lookup = false;
  bool authentication_tolerate_lookup_failure = false;
  bool anonymous_auth = true;
  std::string authentication_token_webhook_cache_ttl = "10s";
  std::string authorization_webhook_cache_authorized_ttl = "10s";
  std::string authorization_webhook_cache_unauthorized_ttl = "10s";
  std::string authorization_cache_stale_grace = "10s";
  std::vector<std::string> authorization_always_allow_paths = {"/healthz", "/readyz", "/livez"};
  std::string authorization_mode = "Delegated";

  std::string log_level = "info";
  int verbosity = -1;  // --v; -1: not given
  std::string logging_format = "json";
  std::string tls_min_version;
  std::vector<std::string> tls_cipher_suites;
  bool permit_address_sharing = false;
  bool permit_port_sharing = false;
  std::string kubeconfig;
  std::string audit_log;
  int audit_log_maxsize_mb = 100;
  int audit_log_maxbackup = 5;
  int io_threads = 0;
  std::string read_header_timeout = "30s";
  int max_connections = 4096;
  int delegation_threads = 4;
  int max_pending_reviews = 256;
  bool demo_data = false;
  int demo_series = 3;

  adapter::keda::KedaOptions keda;  // --grpc-*: the KEDA external scaler
};

// Registers every flag of `serve` on `cmd`, bound to `options`.
void AddServeFlags(CLI::App& cmd, ServeOptions& options);

}  // namespace prescale::cli
