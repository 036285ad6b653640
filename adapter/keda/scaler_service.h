// The KEDA ExternalScaler gRPC service (gRPC callback API), answering from the latest Snapshot
// published to a SnapshotHolder. It knows nothing of where the numbers come from.
//
// Unary RPCs (IsActive, GetMetricSpec, GetMetrics) are answered inline on the gRPC thread that
// received them: the trigger's metadata is parsed, the current snapshot read; no lock, no I/O.
// Each thread memoizes the answer per trigger (the SHA-256 of its metadata) while the snapshot
// stays current, at most 1024 answers and 1 MiB per thread, never an INVALID_ARGUMENT answer.
//
// Bounds: metadata beyond scaler_query.h's bounds is INVALID_ARGUMENT before it is parsed
// (counted: RpcObserver::OnLimit, kGrpcMetadata or kSelector); at most `max_streams` streams
// with a valid trigger are open at once, service-wide: beyond, a new stream ends at once with
// RESOURCE_EXHAUSTED (counted, kGrpcStreams) while the open ones and unary calls go on.
//
// Streams (StreamIsActive, StreamMetricSpec) send the current answer as soon as they open, then
// again only when a newly published snapshot changes it: no timer. One watcher thread blocks in
// SnapshotHolder::WaitForNewerThan() and, after each publish, has every open stream re-evaluate
// its answer against the new snapshot. A stream ends
//   - with the answer's error status when the answer becomes an error (bad metadata at once;
//     later a metric that vanished or went stale: NOT_FOUND / UNAVAILABLE, and KEDA reconnects
//     with backoff),
//   - with CANCELLED when the client cancels or goes away,
//   - with UNAVAILABLE ("shutting down") at Shutdown().
//
// Lifetime: Start() once, Shutdown() before grpc::Server::Shutdown(). `holder` and `observer`
// must outlive the service; the service must outlive the grpc::Server it is registered with.
// Every public method is thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "adapter/keda/externalscaler.grpc.pb.h"
#include "adapter/keda/grpc_metrics.h"
#include "adapter/keda/scaler_query.h"
#include "adapter/snapshot.h"

namespace prescale::adapter::keda {

class ScalerService final : public externalscaler::ExternalScaler::CallbackService {
 public:
  // `on_readiness` (optional) is called from Start() with the current readiness and then from
  // the watcher thread whenever it changes; ready = a complete snapshot is published (/readyz).
  // `allowed_names` (empty: any verified client): the client certificate common names or DNS
  // SANs that may call; any other caller gets PERMISSION_DENIED, counted as such.
  ScalerService(const SnapshotHolder& holder, RpcObserver& observer,
                std::function<void(bool ready)> on_readiness = {},
                std::vector<std::string> allowed_names = {},
                size_t max_streams = kDefaultMaxStreams);

  static constexpr size_t kDefaultMaxStreams = 1000;
  ~ScalerService() override;  // Shutdown()
  ScalerService(const ScalerService&) = delete;
  ScalerService& operator=(const ScalerService&) = delete;

  // Starts the watcher thread.
  void Start();
  // Ends every open stream with UNAVAILABLE, makes streams opened from now on end the same way,
  // and stops the watcher thread. Unary calls keep being answered. Idempotent.
  void Shutdown();

  // Streams whose call has not completed yet (for tests and logs).
  size_t open_streams() const;

  grpc::ServerUnaryReactor* IsActive(grpc::CallbackServerContext* context,
                                     const externalscaler::ScaledObjectRef* request,
                                     externalscaler::IsActiveResponse* response) override;
  grpc::ServerWriteReactor<externalscaler::IsActiveResponse>* StreamIsActive(
      grpc::CallbackServerContext* context,
      const externalscaler::ScaledObjectRef* request) override;
  grpc::ServerUnaryReactor* GetMetricSpec(grpc::CallbackServerContext* context,
                                          const externalscaler::ScaledObjectRef* request,
                                          externalscaler::GetMetricSpecResponse* response) override;
  grpc::ServerUnaryReactor* GetMetrics(grpc::CallbackServerContext* context,
                                       const externalscaler::GetMetricsRequest* request,
                                       externalscaler::GetMetricsResponse* response) override;
  grpc::ServerWriteReactor<externalscaler::GetMetricSpecResponse>* StreamMetricSpec(
      grpc::CallbackServerContext* context,
      const externalscaler::ScaledObjectRef* request) override;

 private:
  class Stream;
  template <class Response>
  class SnapshotStream;

  grpc::ServerUnaryReactor* FinishUnary(grpc::CallbackServerContext* context, Method method,
                                        grpc::Status status);
  // PERMISSION_DENIED when the caller's certificate is not allowed; nullopt when it is.
  std::optional<ScalerError> Refuse(const grpc::CallbackServerContext* context) const;
  // Registers a new stream (the registry owns it until its OnDone) and starts it. A `counted`
  // stream takes one of max_streams_ places, or ends at once with RESOURCE_EXHAUSTED.
  template <class Response>
  SnapshotStream<Response>* OpenStream(
      Method method, std::function<std::variant<Response, ScalerError>(const Snapshot*)> compute,
      bool counted);
  // Reports error->limit to the observer, if any; returns `error`.
  const ScalerError* Counted(const ScalerError* error) const;
  void StreamDone(Stream* stream, Method method, grpc::StatusCode code);
  // Pokes every open stream after each publish newer than `seen`.
  void Watch(std::stop_token stop, uint64_t seen);
  void ReportReadiness();

  const SnapshotHolder& holder_;
  RpcObserver& observer_;
  const std::function<void(bool)> on_readiness_;
  const std::vector<std::string> allowed_names_;
  const size_t max_streams_;

  mutable std::mutex mu_;
  std::unordered_map<Stream*, std::shared_ptr<Stream>> streams_;  // guarded by mu_
  bool shutting_down_ = false;                                    // guarded by mu_
  size_t counted_streams_ = 0;                                    // guarded by mu_
  int readiness_ = -1;  // last reported: -1 none, 0, 1; watcher thread (and Start) only

  std::jthread watcher_;
};

}  // namespace prescale::adapter::keda
