#include "adapter/keda/grpc_metrics.h"

#include <chrono>
#include <string_view>

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
namespace gx = grpc::experimental;

namespace {

// Times one call (see grpc_metrics.h). Hooks of one call may run on different gRPC threads, one
// batch at a time; `observed_` makes the sample a single one whatever the order.
class DurationInterceptor final : public gx::Interceptor {
 public:
  DurationInterceptor(GrpcMetrics& metrics, Method method, bool stream)
      : metrics_(metrics),
        method_(method),
        stream_(stream),
        started_(std::chrono::steady_clock::now()) {}

  void Intercept(gx::InterceptorBatchMethods* methods) override {
    using Hook = gx::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(Hook::PRE_SEND_STATUS) ||
        (stream_ && methods->QueryInterceptionHookPoint(Hook::PRE_SEND_MESSAGE))) {
      if (!observed_.exchange(true, std::memory_order_relaxed)) {
        metrics_.ObserveDuration(
            method_,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
      }
    }
    methods->Proceed();
  }

 private:
  GrpcMetrics& metrics_;
  const Method method_;
  const bool stream_;
  const std::chrono::steady_clock::time_point started_;
  std::atomic<bool> observed_{false};
};

class DurationInterceptorFactory final : public gx::ServerInterceptorFactoryInterface {
 public:
  explicit DurationInterceptorFactory(GrpcMetrics& metrics) : metrics_(metrics) {}

  gx::Interceptor* CreateServerInterceptor(gx::ServerRpcInfo* info) override {
    static constexpr std::string_view kPrefix = "/externalscaler.ExternalScaler/";
    const std::string_view name = info->method() ? info->method() : "";
    if (!name.starts_with(kPrefix)) return nullptr;
    for (int m = 0; m < kMethodCount; ++m) {
      if (name.substr(kPrefix.size()) == MethodName(static_cast<Method>(m)))
        return new DurationInterceptor(
            metrics_, static_cast<Method>(m),
            info->type() != gx::ServerRpcInfo::Type::UNARY);  // grpc owns it
    }
    return nullptr;
  }

 private:
  GrpcMetrics& metrics_;
};

}  // namespace

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
      durations_family_(p::BuildHistogram()
                            .Name("prescale_grpc_request_duration_seconds")
                            .Help("gRPC calls (KEDA external scaler) by method: unary calls to "
                                  "their status, streams to their first message.")
                            .Register(r)),
      security_(r) {
  // From 100 us: a memoized answer takes tens of microseconds.
  const p::Histogram::BucketBoundaries buckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                  0.01,   0.025,   0.05,   0.1,   0.25,   1};
  for (int m = 0; m < kMethodCount; ++m) {
    const char* method = MethodName(static_cast<Method>(m));
    durations_[m] = &durations_family_.Add({{"method", method}}, buckets);
    // Every method's OK count exists from start-up, so error ratios have a denominator and the
    // family is on /metrics before KEDA's first call.
    counters_[m][0] = &requests_.Add({{"method", method}, {"code", "OK"}});
  }
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

void GrpcMetrics::ObserveDuration(Method method, double seconds) {
  durations_[static_cast<int>(method)]->Observe(seconds);
}

std::unique_ptr<gx::ServerInterceptorFactoryInterface> GrpcMetrics::DurationInterceptors() {
  return std::make_unique<DurationInterceptorFactory>(*this);
}

}  // namespace prescale::adapter::keda
