// prescale's own metrics of the gRPC server (KEDA external scaler):
//   prescale_grpc_requests_total{method,code}   finished RPCs, streams counted when they end
//   prescale_grpc_request_duration_seconds{method}  histogram: a unary call from its arrival to
//       its status; a stream from its arrival to its first message (what KEDA waits for before
//       it has an answer), or to its status when it ends without one. A stream's whole life is
//       not timed: it lasts as long as the client keeps it open.
//   prescale_grpc_streams_open{method}          streams currently open
//   prescale_grpc_stream_messages_total{method} messages pushed on streams
// `method` is the RPC name (GetMetrics, ...), `code` the gRPC status name (OK, NOT_FOUND, ...).
// Refused callers and requests refused by a bound also count in the security signals
// (apiserver/security_metrics.h): surface grpc, limit kinds grpc_metadata, selector, grpc_streams.
#pragma once

#include <grpcpp/support/server_interceptor.h>
#include <grpcpp/support/status.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <atomic>
#include <memory>
#include <mutex>

#include "apiserver/security_metrics.h"

namespace prescale::adapter::keda {

enum class Method { kIsActive, kStreamIsActive, kGetMetricSpec, kGetMetrics, kStreamMetricSpec };
inline constexpr int kMethodCount = 5;

const char* MethodName(Method method);
// "OK", "INVALID_ARGUMENT", ...: the canonical upper-case name of a gRPC status code.
const char* StatusCodeName(grpc::StatusCode code);

// What the service reports. Implementations are called concurrently from gRPC threads and must
// not block.
class RpcObserver {
 public:
  virtual ~RpcObserver() = default;
  virtual void OnRpcDone(Method method, grpc::StatusCode code) = 0;
  // Every stream call, including one refused at once, is reported opened, then done when it ends.
  virtual void OnStreamOpened(Method method) = 0;
  virtual void OnStreamMessage(Method method) = 0;
  // A caller refused before its request was looked at.
  virtual void OnRefused(apiserver::AuthzDenial) {}
  // A bound refused a request (prescale_limit_rejections_total{kind}).
  virtual void OnLimit(apiserver::Limit) {}
};

// The RpcObserver that exports the metrics above. Counters are created on first use of a
// (method, code) pair and then updated without locks. Thread-safe; `registry` must outlive it.
class GrpcMetrics : public RpcObserver {
 public:
  explicit GrpcMetrics(prometheus::Registry& registry);

  void OnRpcDone(Method method, grpc::StatusCode code) override;
  void OnStreamOpened(Method method) override;
  void OnStreamMessage(Method method) override;
  void OnRefused(apiserver::AuthzDenial reason) override;
  void OnLimit(apiserver::Limit kind) override;
  // One sample of prescale_grpc_request_duration_seconds.
  void ObserveDuration(Method method, double seconds);

  // An interceptor factory for grpc::ServerBuilder that times every ExternalScaler call as the
  // header says (health and other services are not timed) into this object, which must outlive
  // the server.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> DurationInterceptors();

 private:
  static constexpr int kCodeCount = 17;  // OK .. UNAUTHENTICATED

  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Gauge>& streams_open_;
  prometheus::Family<prometheus::Counter>& stream_messages_;
  prometheus::Family<prometheus::Histogram>& durations_family_;
  std::array<prometheus::Histogram*, kMethodCount> durations_{};
  std::mutex mu_;  // serializes creation of series
  std::array<std::array<std::atomic<prometheus::Counter*>, kCodeCount>, kMethodCount> counters_{};
  std::array<prometheus::Gauge*, kMethodCount> open_{};
  std::array<prometheus::Counter*, kMethodCount> messages_{};
  // On the same registry as the HTTPS server's: the registry merges families of one name, so
  // both surfaces count into the same series.
  apiserver::SecurityMetrics security_;
};

}  // namespace prescale::adapter::keda
