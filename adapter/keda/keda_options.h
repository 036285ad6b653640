// The `prescale serve` flags of the KEDA external scaler, and starting its gRPC server from them.
#pragma once

#include <memory>
#include <string>

namespace CLI {
class App;
}
namespace prometheus {
class Registry;
}
namespace prescale::adapter {
class SnapshotHolder;
}

namespace prescale::adapter::keda {

class GrpcServer;

struct KedaOptions {
  int grpc_port = 0;                // 0: no gRPC server
  std::string grpc_bind_address;    // empty: the same as --bind-address
  std::string grpc_client_ca_file;  // set: client certificates required, verified against it
};

// Registers --grpc-port, --grpc-bind-address and --grpc-client-ca-file on `cmd`.
void AddKedaFlags(CLI::App& cmd, KedaOptions& options);

// Starts the gRPC server with the HTTPS server's certificate and key when options.grpc_port is
// set; returns nullptr when it is 0 (and throws if another --grpc-* flag is set). Throws
// std::runtime_error with a message naming the flag or file (unreadable certificate or CA, address
// in use). The caller keeps `holder` and `registry` alive while the server runs, and calls Stop()
// (or destroys it) before they go.
std::unique_ptr<GrpcServer> StartKedaServer(const KedaOptions& options,
                                            const std::string& default_bind_address,
                                            const std::string& cert_file,
                                            const std::string& key_file,
                                            const SnapshotHolder& holder,
                                            prometheus::Registry& registry);

}  // namespace prescale::adapter::keda
