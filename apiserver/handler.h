// The HTTP surface of the external metrics API server, independent of the transport: every
// request is parsed (a malformed or oversized path is refused before anything else), then
// authenticated, authorized, routed, answered, and counted. Errors are Kubernetes Status
// objects. Thread-safe: called concurrently from the I/O threads and the worker pool.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "apiserver/authenticator.h"
#include "apiserver/authorizer.h"
#include "apiserver/custom_provider.h"
#include "apiserver/http_types.h"
#include "apiserver/provider.h"
#include "apiserver/request_info.h"
#include "apiserver/security_metrics.h"
#include "apiserver/server_metrics.h"

namespace prescale::apiserver {

struct HandlerOptions {
  std::string version_json;                   // body of /version
  std::function<std::string()> metrics_text;  // body of /metrics (Prometheus text format)
  size_t max_path_bytes = 4096;               // decoded path; longer is 414, before anything
  // Serves custom.metrics.k8s.io from it when set (must outlive the handler); else that group
  // is not served (404, and /apis lists the external group only).
  const CustomMetricsProvider* custom_metrics = nullptr;
};

class CustomMetricsApi;

class ApiHandler {
 public:
  // All references must outlive the handler.
  ApiHandler(const ExternalMetricsProvider& provider, Authenticator& authenticator,
             Authorizer& authorizer, ServerMetrics& metrics, HandlerOptions options);

  // With allow_blocking false, returns nullopt when answering needs a call to the kube-apiserver
  // (an uncached token or access review); the caller then retries on a thread that may block.
  std::optional<HttpResponse> Handle(const HttpRequest& request, bool allow_blocking);

 private:
  std::optional<HttpResponse> Answer(const HttpRequest& request, bool allow_blocking,
                                     enum Route* route);
  HttpResponse Dispatch(const HttpRequest& request, const RequestInfo& info, enum Route* route);
  HttpResponse ListMetricValues(const HttpRequest& request, const RequestInfo& info);
  HttpResponse EncodeMetricValues(const HttpRequest& request, const RequestInfo& info);
  HttpResponse Health(const HttpRequest& request, std::string_view name, bool ok,
                      std::string_view failure);

  const ExternalMetricsProvider& provider_;
  Authenticator& authenticator_;
  Authorizer& authorizer_;
  ServerMetrics& metrics_;
  HandlerOptions options_;
  std::shared_ptr<const CustomMetricsApi> custom_;  // null when no custom provider is given
};

// A Status response with the given code and reason.
HttpResponse StatusResponse(int code, std::string_view reason, std::string_view message,
                            std::string_view details_json = {});

}  // namespace prescale::apiserver
