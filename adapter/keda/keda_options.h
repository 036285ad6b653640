// The `prescale serve` flags of the KEDA external scaler, and starting its gRPC server from them.
#pragma once

#include <memory>
#include <string>
#include <vector>

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
  std::string grpc_client_ca_file;  // client certificates required, verified against it
  // Common names (or DNS SANs) of the client certificates allowed; empty: any the CA verifies.
  std::vector<std::string> grpc_allowed_names;
  // Serve without client certificates: anyone who reaches the port reads every metric.
  bool grpc_insecure_no_client_auth = false;
};

// Registers the --grpc-* flags on `cmd`.
void AddKedaFlags(CLI::App& cmd, KedaOptions& options);

// Starts the gRPC server with the HTTPS server's certificate and key when options.grpc_port is
// set; returns nullptr when it is 0 (and throws if another --grpc-* flag is set). Closed by
// default: without --grpc-client-ca-file it refuses to start unless
// --grpc-insecure-no-client-auth is given, which it logs at warn level. Throws
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
