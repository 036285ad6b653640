// The CA bundles that identify clients (--client-ca-file, --requestheader-client-ca-file and
// --requestheader-allowed-names, each missing one from ConfigMap
// kube-system/extension-apiserver-authentication, as k8s.io/apiserver does), and the watcher
// that keeps them current: a rotated bundle is taken into use without a restart and without a
// failed request, the way Kubernetes components follow their dynamic CA content.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "adapter/cli/serve_options.h"
#include "apiserver/authenticator.h"
#include "apiserver/cert_verifier.h"
#include "apiserver/kube_client.h"
#include "apiserver/server_metrics.h"

namespace prescale::cli {

struct ClientCas {
  std::string client_pem, front_pem;      // empty: that kind of certificate is not accepted
  std::string client_label, front_label;  // where each came from, for messages
  std::vector<std::string> allowed_names;
  bool from_config_map = false;  // some of it came from the ConfigMap (so it is re-fetched)

  bool operator==(const ClientCas& other) const {
    return client_pem == other.client_pem && front_pem == other.front_pem &&
           allowed_names == other.allowed_names;
  }
};

// Reads the bundles. With `startup`, failures are SetupErrors with their exit codes and the
// ConfigMap's header names go into *authn; afterwards (the watcher) failures throw
// std::runtime_error and header names stay as they are.
ClientCas ReadClientCas(const ServeOptions& options, const apiserver::KubeClient* client,
                        bool startup, apiserver::AuthenticationOptions* authn);

// The verifier of `cas`, after warnings about risky settings. Throws std::runtime_error when a
// bundle holds no certificate.
std::shared_ptr<const apiserver::CertificateVerifier> BuildVerifier(const ClientCas& cas);

// Re-reads the bundles (every `file_period`, or every `config_map_period` when a bundle comes
// from the ConfigMap) and installs a new verifier when they change. A read or a bundle that
// fails keeps the verifier in force (logged at error level, counted in
// prescale_client_ca_reloads_total{result="failure"}). Start once, Stop (or destroy) once.
class ClientCaWatcher {
 public:
  using Reader = std::function<ClientCas()>;
  ClientCaWatcher(Reader read, ClientCas current,
                  std::shared_ptr<apiserver::CertificateVerifierHolder> holder,
                  apiserver::ServerMetrics* metrics, std::chrono::milliseconds file_period,
                  std::chrono::milliseconds config_map_period);
  ~ClientCaWatcher();
  void Start();
  void Stop();

 private:
  void Run();
  void Check();

  Reader read_;
  ClientCas current_;
  std::shared_ptr<apiserver::CertificateVerifierHolder> holder_;
  apiserver::ServerMetrics* metrics_;
  std::chrono::milliseconds file_period_, config_map_period_;
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace prescale::cli
