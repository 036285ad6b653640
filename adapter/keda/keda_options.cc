#include "adapter/keda/keda_options.h"

#include <CLI/CLI.hpp>
#include <stdexcept>

#include "adapter/keda/grpc_server.h"
#include "common/log.h"

namespace prescale::adapter::keda {

void AddKedaFlags(CLI::App& cmd, KedaOptions& o) {
  cmd.add_option("--grpc-port", o.grpc_port,
                 "Port of the KEDA external scaler gRPC server (TLS, same certificate as HTTPS; "
                 "0: disabled)")
      ->check(CLI::Range(0, 65535));
  cmd.add_option("--grpc-bind-address", o.grpc_bind_address,
                 "Address the gRPC server listens on (empty: --bind-address)");
  cmd.add_option("--grpc-client-ca-file", o.grpc_client_ca_file,
                 "CA bundle (PEM): gRPC clients must present a certificate it verifies "
                 "(required with --grpc-port unless --grpc-insecure-no-client-auth)");
  cmd.add_option("--grpc-allowed-names", o.grpc_allowed_names,
                 "Client certificate common names (or DNS SANs) allowed to call, comma-separated "
                 "(default: any certificate the client CA verifies)")
      ->delimiter(',');
  cmd.add_flag("--grpc-insecure-no-client-auth", o.grpc_insecure_no_client_auth,
               "Serve gRPC without client certificates: anyone who reaches the port reads every "
               "metric (development only; logged at warn level)");
}

std::unique_ptr<GrpcServer> StartKedaServer(
    const KedaOptions& o, const std::string& default_bind_address, const std::string& cert_file,
    const std::string& key_file, const SnapshotHolder& holder, prometheus::Registry& registry) {
  if (o.grpc_port == 0) {
    if (!o.grpc_bind_address.empty() || !o.grpc_client_ca_file.empty() ||
        !o.grpc_allowed_names.empty() || o.grpc_insecure_no_client_auth)
      throw std::runtime_error("the --grpc-* flags need --grpc-port");
    return nullptr;
  }
  if (o.grpc_client_ca_file.empty()) {
    if (!o.grpc_insecure_no_client_auth)
      throw std::runtime_error(
          "--grpc-port needs --grpc-client-ca-file (the CA of KEDA's client certificate); "
          "--grpc-insecure-no-client-auth serves every metric to anyone who reaches the port");
    if (!o.grpc_allowed_names.empty())
      throw std::runtime_error("--grpc-allowed-names needs --grpc-client-ca-file");
    log::Warn(
        "gRPC serves without client certificates (--grpc-insecure-no-client-auth): anyone "
        "who reaches the port reads every metric",
        {{"port", o.grpc_port}});
  } else if (o.grpc_insecure_no_client_auth) {
    throw std::runtime_error(
        "--grpc-insecure-no-client-auth and --grpc-client-ca-file contradict each other");
  }
  GrpcServerOptions options;
  options.bind_address = o.grpc_bind_address.empty() ? default_bind_address : o.grpc_bind_address;
  options.port = o.grpc_port;
  options.cert_file = cert_file;
  options.key_file = key_file;
  options.client_ca_file = o.grpc_client_ca_file;
  options.allowed_names = o.grpc_allowed_names;
  auto server = std::make_unique<GrpcServer>(std::move(options), holder, &registry);
  server->Start();
  return server;
}

}  // namespace prescale::adapter::keda
