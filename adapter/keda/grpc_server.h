// The gRPC server of `prescale serve --grpc-port`: KEDA's ExternalScaler service (scaler_service.h)
// and the standard health service grpc.health.v1.Health, over TLS only.
//
// Health: the overall status ("") and "externalscaler.ExternalScaler" are SERVING exactly while a
// complete snapshot is published (what /readyz reports), NOT_SERVING before and from Stop() on.
// (gRPC's built-in health service starts SERVING; the server sets NOT_SERVING right after it
// starts listening, so a client can see SERVING only within that instant.)
//
// Bounds (README, limits): a request message is at most kMaxReceiveBytes (gRPC refuses a larger
// one with RESOURCE_EXHAUSTED before the service sees it); at most max_streams KEDA streams are
// open service-wide (scaler_service.h) and max_streams + kUnaryCallsPerConnection calls per
// connection (HTTP/2 MAX_CONCURRENT_STREAMS: KEDA multiplexes every ScaledObject's calls on one
// connection per scaler address, so one connection may carry all the streams); a connection
// without calls is closed after max_connection_idle, any connection after max_connection_age
// plus max_connection_age_grace (calls still open then, streams included, end with UNAVAILABLE
// and KEDA reconnects), which also bounds how long a client certificate verified at the
// handshake stays in use; the server pings idle connections every 2 min and closes those that
// do not answer within 20 s, and closes a connection whose client pings more often than every
// kMinClientPingInterval (gRPC's ping strikes).
//
// Threading: Start() and Stop() from one thread; port() from any.
#pragma once

#include <grpcpp/server.h>
#include <prometheus/registry.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "adapter/keda/grpc_metrics.h"
#include "adapter/keda/scaler_service.h"
#include "adapter/snapshot.h"

namespace prescale::adapter::keda {

struct GrpcServerOptions {
  std::string bind_address = "0.0.0.0";  // IPv4 or IPv6 literal, or a host name
  int port = 0;                          // 0: an ephemeral port, see port()
  std::string cert_file;                 // serving certificate chain (PEM), required
  std::string key_file;                  // its private key (PEM), required
  // When set, clients must present a certificate that chains to this CA bundle (PEM); without a
  // valid one the TLS handshake fails. When empty, no client certificate is requested.
  std::string client_ca_file;
  // Non-empty: only certificates whose common name or a DNS SAN is listed may call (others get
  // PERMISSION_DENIED). REQUIRES client_ca_file.
  std::vector<std::string> allowed_names;
  // KEDA streams open at once, service-wide.
  size_t max_streams = ScalerService::kDefaultMaxStreams;
  std::chrono::milliseconds max_connection_idle = std::chrono::minutes(5);
  std::chrono::milliseconds max_connection_age = std::chrono::hours(1);
  std::chrono::milliseconds max_connection_age_grace = std::chrono::minutes(5);
};

inline constexpr int kMaxReceiveBytes = 64 * 1024;
inline constexpr int kUnaryCallsPerConnection = 100;
inline constexpr std::chrono::milliseconds kMinClientPingInterval = std::chrono::minutes(1);

class GrpcServer {
 public:
  // Reads the certificate files; throws std::runtime_error naming an unreadable or non-PEM file.
  // `registry` (may be null) receives the metrics of grpc_metrics.h. `holder` and `registry` must
  // outlive the server.
  GrpcServer(GrpcServerOptions options, const SnapshotHolder& holder,
             prometheus::Registry* registry);
  ~GrpcServer();  // Stop()
  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  // Starts listening and serving. Throws std::runtime_error if the address cannot be bound (in
  // use, bad address); port reuse is off, so a taken port is an error.
  void Start();
  // The bound port once started (the chosen one when options.port was 0).
  int port() const { return port_; }
  // KEDA streams whose call has not completed yet.
  size_t open_streams() const { return service_->open_streams(); }

  // Health NOT_SERVING, open streams end with UNAVAILABLE, calls in flight get up to 2 s; then
  // every connection is closed. Idempotent.
  void Stop();

 private:
  class NullObserver;

  GrpcServerOptions options_;
  const SnapshotHolder& holder_;
  std::unique_ptr<RpcObserver> observer_;
  std::unique_ptr<ScalerService> service_;  // outlives server_ (declared before it)
  std::unique_ptr<grpc::Server> server_;
  grpc::HealthCheckServiceInterface* health_ = nullptr;  // owned by server_
  int port_ = 0;
  bool stopped_ = false;
};

}  // namespace prescale::adapter::keda
