#include "adapter/keda/keda_options.h"

#include <CLI/CLI.hpp>
#include <stdexcept>

#include "adapter/keda/grpc_server.h"

namespace prescale::adapter::keda {

void AddKedaFlags(CLI::App& cmd, KedaOptions& o) {
  cmd.add_option("--grpc-port", o.grpc_port,
                 "Port of the KEDA external scaler gRPC server (TLS, same certificate as HTTPS; "
                 "0: disabled)")
      ->check(CLI::Range(0, 65535));
  cmd.add_option("--grpc-bind-address", o.grpc_bind_address,
                 "Address the gRPC server listens on (empty: --bind-address)");
  cmd.add_option("--grpc-client-ca-file", o.grpc_client_ca_file,
                 "CA bundle (PEM): when set, gRPC clients must present a certificate it verifies");
}

std::unique_ptr<GrpcServer> StartKedaServer(
    const KedaOptions& o, const std::string& default_bind_address, const std::string& cert_file,
    const std::string& key_file, const SnapshotHolder& holder, prometheus::Registry& registry) {
  if (o.grpc_port == 0) {
    if (!o.grpc_bind_address.empty() || !o.grpc_client_ca_file.empty())
      throw std::runtime_error("--grpc-bind-address and --grpc-client-ca-file need --grpc-port");
    return nullptr;
  }
  GrpcServerOptions options;
  options.bind_address = o.grpc_bind_address.empty() ? default_bind_address : o.grpc_bind_address;
  options.port = o.grpc_port;
  options.cert_file = cert_file;
  options.key_file = key_file;
  options.client_ca_file = o.grpc_client_ca_file;
  auto server = std::make_unique<GrpcServer>(std::move(options), holder, &registry);
  server->Start();
  return server;
}

}  // namespace prescale::adapter::keda
