// The custom metrics API (custom.metrics.k8s.io v1beta2 and v1beta1) behind ApiHandler, after
// authentication and authorization: the group document, discovery per version, and the value
// routes of custom_route.h answered from a CustomMetricsProvider. Errors are Status objects as
// custom-metrics-apiserver gives them: 404 NotFound for an unknown metric, resource or object,
// 400 BadRequest for a malformed labelSelector or metricLabelSelector. Thread-safe.
#pragma once

#include "apiserver/custom_provider.h"
#include "apiserver/http_types.h"
#include "apiserver/request_info.h"
#include "apiserver/server_metrics.h"

namespace prescale::apiserver {

class CustomMetricsApi {
 public:
  // Both must outlive the object.
  CustomMetricsApi(const CustomMetricsProvider& provider, ServerMetrics& metrics)
      : provider_(provider), metrics_(metrics) {}

  // Whether `path` lies in the custom group (/apis/custom.metrics.k8s.io[/...]).
  static bool Owns(const std::string& path);

  // Answers a GET of a path Owns(); sets *route for the request metrics.
  HttpResponse Serve(const HttpRequest& request, const RequestInfo& info, Route* route) const;

 private:
  HttpResponse Values(const HttpRequest& request, const RequestInfo& info) const;
  HttpResponse EncodeValues(const HttpRequest& request, const RequestInfo& info) const;

  const CustomMetricsProvider& provider_;
  ServerMetrics& metrics_;
};

}  // namespace prescale::apiserver
