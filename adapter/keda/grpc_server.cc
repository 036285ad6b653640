#include "adapter/keda/grpc_server.h"

#include "common/read_file.h"

#include <absl/synchronization/mutex.h>
#include <grpc/support/log.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <grpcpp/server_builder.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "common/log.h"

namespace prescale::adapter::keda {
namespace {

constexpr const char* kServiceName = "externalscaler.ExternalScaler";
// How often gRPC checks the certificate files for a change.
constexpr unsigned kCertificateRefreshSeconds = 5;

void CheckPem(const std::string& file, const char* what, const char* marker) {
  const std::optional<std::string> text = ReadFile(file);
  if (!text) throw std::runtime_error(std::string(what) + " " + file + ": cannot be read");
  if (text->find(marker) == std::string::npos)
    throw std::runtime_error(std::string(what) + " " + file + ": no PEM " +
                             std::string(marker).substr(11) + " in it");
}

int Ms(std::chrono::milliseconds d) { return static_cast<int>(d.count()); }

// "0.0.0.0" and "::" mean every interface of both families, as for the HTTPS server: gRPC's
// "[::]" listens dual-stack (IPv4 only where the host has no IPv6).
std::string HostPort(const std::string& host, int port) {
  if (host == "0.0.0.0" || host == "::" || host == "[::]") return "[::]:" + std::to_string(port);
  const bool ipv6 = host.find(':') != std::string::npos && host.front() != '[';
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// gRPC's own log lines (e.g. a client's failed TLS handshake) as JSON lines of common/log.h. Its
// errors are mostly about peers, so they are warnings here.
void LogFromGrpc(gpr_log_func_args* args) {
  const char* slash = args->file ? std::strrchr(args->file, '/') : nullptr;
  const std::string source = std::string(slash ? slash + 1 : (args->file ? args->file : "")) + ":" +
                             std::to_string(args->line);
  const log::Level level = args->severity == GPR_LOG_SEVERITY_ERROR  ? log::Level::kWarn
                           : args->severity == GPR_LOG_SEVERITY_INFO ? log::Level::kInfo
                                                                     : log::Level::kDebug;
  log::Write(level, "gRPC library", {{"detail", args->message}, {"source", source}});
}

}  // namespace

class GrpcServer::NullObserver : public RpcObserver {
 public:
  void OnRpcDone(Method, grpc::StatusCode) override {}
  void OnStreamOpened(Method) override {}
  void OnStreamMessage(Method) override {}
};

GrpcServer::GrpcServer(GrpcServerOptions options, const SnapshotHolder& holder,
                       prometheus::Registry* registry)
    : options_(std::move(options)), holder_(holder) {
  static std::once_flag process_settings;
  std::call_once(process_settings, [] {
    gpr_set_log_function(LogFromGrpc);
    // Debian's Abseil is built without NDEBUG, so every absl::Mutex (all of gRPC's locks) would
    // record lock order in one global graph to detect deadlocks: about 5% of the CPU of a call,
    // and a process-wide point of contention. That is a debugging aid; off here.
    absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  });
  // Checked here for a clear start-up error; gRPC reads (and re-reads) the files itself.
  CheckPem(options_.cert_file, "gRPC serving certificate", "-----BEGIN CERTIFICATE");
  CheckPem(options_.key_file, "gRPC serving key", "-----BEGIN ");
  if (!options_.client_ca_file.empty())
    CheckPem(options_.client_ca_file, "--grpc-client-ca-file", "-----BEGIN CERTIFICATE");
  if (registry)
    observer_ = std::make_unique<GrpcMetrics>(*registry);
  else
    observer_ = std::make_unique<NullObserver>();
  service_ = std::make_unique<ScalerService>(
      holder_, *observer_,
      [this](bool ready) {
        if (health_) {
          // The service first: a client that sees "" change finds the service changed already.
          health_->SetServingStatus(kServiceName, ready);
          health_->SetServingStatus("", ready);
        }
        log::Info(ready ? "gRPC health: SERVING" : "gRPC health: NOT_SERVING");
      },
      options_.allowed_names, options_.max_streams);
}

GrpcServer::~GrpcServer() { Stop(); }

void GrpcServer::Start() {
  // gRPC re-reads the files when they change (a renewed certificate, a rotated client CA), as
  // the HTTPS server does; a pair that does not match is logged and the previous one kept.
  auto certificates = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      options_.key_file, options_.cert_file, options_.client_ca_file, kCertificateRefreshSeconds);
  grpc::experimental::TlsServerCredentialsOptions tls(certificates);
  tls.watch_identity_key_cert_pairs();
  if (options_.client_ca_file.empty()) {
    tls.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  } else {
    tls.watch_root_certs();
    tls.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(HostPort(options_.bind_address, options_.port),
                           grpc::experimental::TlsServerCredentials(tls), &port_);
  builder.RegisterService(service_.get());
  // A port taken by another process must be an error, not a silently shared port.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Detect peers that vanished without closing (idle streams would otherwise stay open).
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 120000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20000);
  // Bounds of what one client may hold (grpc_server.h).
  builder.SetMaxReceiveMessageSize(kMaxReceiveBytes);
  builder.AddChannelArgument(
      GRPC_ARG_MAX_CONCURRENT_STREAMS,
      static_cast<int>(std::min<size_t>(options_.max_streams, 1 << 20)) + kUnaryCallsPerConnection);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS, Ms(options_.max_connection_idle));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, Ms(options_.max_connection_age));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                             Ms(options_.max_connection_age_grace));
  // Keepalive enforcement: a client pinging more often than this gets strikes, then GOAWAY.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             Ms(kMinClientPingInterval));
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 2);
  // Durations of the KEDA calls (grpc_metrics.h), when metrics are exported.
  if (auto* metrics = dynamic_cast<GrpcMetrics*>(observer_.get())) {
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> timing;
    timing.push_back(metrics->DurationInterceptors());
    builder.experimental().SetInterceptorCreators(std::move(timing));
  }
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0)
    throw std::runtime_error("gRPC server: cannot listen on " +
                             HostPort(options_.bind_address, options_.port));
  health_ = server_->GetHealthCheckService();
  if (health_) {
    health_->SetServingStatus("", false);
    health_->SetServingStatus(kServiceName, false);
  }
  service_->Start();
  log::Info(
      "serving the KEDA external scaler over gRPC",
      {{"address", options_.bind_address},
       {"port", port_},
       {"client_certificates", options_.client_ca_file.empty() ? "not requested" : "required"},
       {"allowed_names", static_cast<int64_t>(options_.allowed_names.size())}});
}

void GrpcServer::Stop() {
  if (!server_ || stopped_) return;
  stopped_ = true;
  if (health_) health_->Shutdown();  // every service NOT_SERVING, no later change
  service_->Shutdown();
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  server_->Wait();
  log::Info("gRPC server stopped");
}

}  // namespace prescale::adapter::keda
