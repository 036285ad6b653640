#include "adapter/keda/grpc_metrics.h"

namespace prescale::adapter::keda {

const char* MethodName(Method method) {
  switch (method) {
    case Method::kIsActive:
      return "IsActive";
    case Method::kStreamIsActive:
      return "StreamIsActive";
    case Method::kGetMetricSpec:
      return "GetMetricSpec";
    case Method::kGetMetrics:
      return "GetMetrics";
    case Method::kStreamMetricSpec:
      return "StreamMetricSpec";
  }
  return "unknown";
}

const char* StatusCodeName(grpc::StatusCode code) {
  static constexpr const char* kNames[] = {"OK",
                                           "CANCELLED",
                                           "UNKNOWN",
                                           "INVALID_ARGUMENT",
                                           "DEADLINE_EXCEEDED",
                                           "NOT_FOUND",
                                           "ALREADY_EXISTS",
                                           "PERMISSION_DENIED",
                                           "RESOURCE_EXHAUSTED",
                                           "FAILED_PRECONDITION",
                                           "ABORTED",
                                           "OUT_OF_RANGE",
                                           "UNIMPLEMENTED",
                                           "INTERNAL",
                                           "UNAVAILABLE",
                                           "DATA_LOSS",
                                           "UNAUTHENTICATED"};
  const int index = static_cast<int>(code);
  return index >= 0 && index < 17 ? kNames[index] : "UNKNOWN";
}

namespace p = prometheus;

GrpcMetrics::GrpcMetrics(p::Registry& r)
    : requests_(p::BuildCounter()
                    .Name("prescale_grpc_requests_total")
                    .Help("Finished gRPC calls (KEDA external scaler, health excluded), by method "
                          "and status code; streams count when they end.")
                    .Register(r)),
      streams_open_(p::BuildGauge()
                        .Name("prescale_grpc_streams_open")
                        .Help("Open StreamIsActive / StreamMetricSpec streams.")
                        .Register(r)),
      stream_messages_(p::BuildCounter()
                           .Name("prescale_grpc_stream_messages_total")
                           .Help("Messages pushed on streams (the first answer, then changes).")
                           .Register(r)),
      security_(r) {
  for (Method m : {Method::kStreamIsActive, Method::kStreamMetricSpec}) {
    const int i = static_cast<int>(m);
    open_[i] = &streams_open_.Add({{"method", MethodName(m)}});
    messages_[i] = &stream_messages_.Add({{"method", MethodName(m)}});
  }
}

void GrpcMetrics::OnRpcDone(Method method, grpc::StatusCode code) {
  const int m = static_cast<int>(method);
  int c = static_cast<int>(code);
  if (c < 0 || c >= kCodeCount) c = static_cast<int>(grpc::StatusCode::UNKNOWN);
  std::atomic<p::Counter*>& slot = counters_[m][c];
  p::Counter* counter = slot.load(std::memory_order_acquire);
  if (!counter) {
    std::lock_guard lock(mu_);
    counter = slot.load(std::memory_order_relaxed);
    if (!counter) {
      counter = &requests_.Add({{"method", MethodName(method)},
                                {"code", StatusCodeName(static_cast<grpc::StatusCode>(c))}});
      slot.store(counter, std::memory_order_release);
    }
  }
  counter->Increment();
  if (open_[m]) open_[m]->Decrement();
}

void GrpcMetrics::OnStreamOpened(Method method) {
  if (p::Gauge* g = open_[static_cast<int>(method)]) g->Increment();
}

void GrpcMetrics::OnStreamMessage(Method method) {
  if (p::Counter* c = messages_[static_cast<int>(method)]) c->Increment();
}

void GrpcMetrics::OnRefused(apiserver::AuthzDenial reason) {
  security_.AuthorizationDenied(apiserver::Surface::kGrpc, reason);
}

void GrpcMetrics::OnLimit(apiserver::Limit kind) { security_.LimitHit(kind); }

}  // namespace prescale::adapter::keda
