// A minimal HTTPS client to the kube-apiserver for the delegated checks (TokenReview,
// SubjectAccessReview) and the extension-apiserver-authentication ConfigMap. Credentials come
// from a kubeconfig file or, when none is given, the pod's in-cluster service account.
// Connections are kept alive and reused (up to kMaxIdleConnections idle ones), with the TLS
// context built once: a review costs one round trip, not a TCP and TLS handshake.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace prescale::apiserver {

struct KubeClientConfig {
  std::string server;  // https://host:port
  std::string ca_pem;  // empty: the system trust store
  bool insecure_skip_tls_verify = false;
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string token;       // bearer token (never logged)
  std::string token_file;  // re-read on every call (service-account tokens rotate)
};

// The current context of a kubeconfig file; relative paths resolve against the file's folder.
// Returns nullopt and a one-line *error when the file is unreadable or incomplete.
std::optional<KubeClientConfig> LoadKubeconfig(const std::string& path, std::string* error);

// The in-cluster configuration (KUBERNETES_SERVICE_HOST/PORT and the service-account token and
// CA under /var/run/secrets/kubernetes.io/serviceaccount). nullopt outside a cluster.
std::optional<KubeClientConfig> InClusterConfig(std::string* error);

struct KubeResponse {
  int status = 0;  // HTTP status; 0 when the call failed before an answer
  std::string body;
  std::string error;  // transport failure (connect, TLS, timeout), empty otherwise
};

// Thread-safe: a call takes an idle connection or opens one, and gives it back when the server
// keeps it alive; a call on a reused connection that the server had closed is retried once on a
// new one. `timeout` bounds each call (connect, TLS, request and answer).
class KubeClient {
 public:
  static constexpr size_t kMaxIdleConnections = 8;

  KubeClient(KubeClientConfig config, std::chrono::milliseconds timeout);
  ~KubeClient();

  KubeResponse Get(const std::string& path) const;
  KubeResponse Post(const std::string& path, const std::string& json_body) const;

  const std::string& server() const { return config_.server; }
  // Connections opened so far (for tests and benchmarks of the reuse).
  uint64_t connections_opened() const;

 private:
  struct Connection;
  struct Tls;
  KubeResponse Call(const std::string& method, const std::string& path,
                    const std::string& body) const;
  KubeResponse Exchange(Connection& connection, const std::string& method, const std::string& path,
                        const std::string& body, const std::string& token) const;

  KubeClientConfig config_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<Tls> tls_;  // the TLS context, or why it could not be built
  mutable std::mutex mu_;
  mutable std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  mutable uint64_t opened_ = 0;                            // guarded by mu_
};

}  // namespace prescale::apiserver
