// A minimal HTTPS client to the kube-apiserver for the delegated checks (TokenReview,
// SubjectAccessReview) and the extension-apiserver-authentication ConfigMap. Credentials come
// from a kubeconfig file or, when none is given, the pod's in-cluster service account.
// One connection per call: the callers cache answers for 10 s, so calls are rare.
#pragma once

#include <chrono>
#include <optional>
#include <string>

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

// Thread-safe: every call uses its own connection.
class KubeClient {
 public:
  KubeClient(KubeClientConfig config, std::chrono::milliseconds timeout);

  KubeResponse Get(const std::string& path) const;
  KubeResponse Post(const std::string& path, const std::string& json_body) const;

  const std::string& server() const { return config_.server; }

 private:
  KubeResponse Call(const std::string& method, const std::string& path,
                    const std::string& body) const;

  KubeClientConfig config_;
  std::chrono::milliseconds timeout_;
};

}  // namespace prescale::apiserver
