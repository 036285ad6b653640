#include "apiserver/custom_metrics_api.h"

#include <nlohmann/json.hpp>

#include "apiserver/custom_api_types.h"
#include "apiserver/custom_route.h"
#include "apiserver/handler.h"
#include "apiserver/response_cache.h"

namespace prescale::apiserver {
namespace {

constexpr std::string_view kGroupPath = "/apis/custom.metrics.k8s.io";

HttpResponse Json(std::string body) {
  HttpResponse r;
  r.body = std::move(body);
  return r;
}

std::string Quote(std::string_view s) {
  return nlohmann::json(std::string(s))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

HttpResponse NotFound() {
  return StatusResponse(404, "NotFound", "the server could not find the requested resource");
}

// Parses query parameter `name` into *out; on a malformed one, returns the 400 to answer.
std::optional<HttpResponse> ReadSelector(const HttpRequest& request, std::string_view name,
                                         SecurityMetrics& security, LabelSelector* out) {
  bool malformed = false;
  const std::optional<std::string> text = QueryParameter(request.target, name, &malformed);
  if (malformed) return StatusResponse(400, "BadRequest", "malformed query string");
  if (!text) return std::nullopt;
  std::string error;
  bool too_large = false;
  std::optional<LabelSelector> parsed = LabelSelector::Parse(*text, &error, &too_large);
  if (!parsed) {
    if (too_large) security.LimitHit(Limit::kSelector);
    return StatusResponse(400, "BadRequest",
                          "unable to parse requirement: " + error + " in " + std::string(name) +
                              " " + Quote(SelectorExcerpt(*text)));
  }
  *out = std::move(*parsed);
  return std::nullopt;
}

}  // namespace

bool CustomMetricsApi::Owns(const std::string& path) {
  return path.compare(0, kGroupPath.size(), kGroupPath) == 0 &&
         (path.size() == kGroupPath.size() || path[kGroupPath.size()] == '/');
}

HttpResponse CustomMetricsApi::Serve(const HttpRequest& request, const RequestInfo& info,
                                     Route* route) const {
  const std::vector<std::string>& p = info.parts;
  if (p.size() == 2) {
    *route = Route::kCustomGroup;
    return Json(EncodeCustomApiGroup());
  }
  if (!IsCustomVersion(p[2])) return NotFound();
  if (p.size() == 3) {
    *route = Route::kCustomResourceList;
    return Json(EncodeCustomApiResourceList(p[2], provider_.ListAllCustomMetrics()));
  }
  *route = Route::kCustomList;
  return Values(request, info);
}

HttpResponse CustomMetricsApi::Values(const HttpRequest& request, const RequestInfo& info) const {
  // Read before the values, so a cached body is never older than its generation.
  const uint64_t generation = provider_.Generation();
  ResponseCache* cache = generation != 0 ? &ThreadResponseCache(1, this, generation) : nullptr;
  const std::string target(request.target);
  if (cache) {
    if (const std::string* body = cache->Find(target)) return Json(*body);
  }
  HttpResponse response = EncodeValues(request, info);
  if (cache && response.status == 200) cache->Add(target, response.body);
  return response;
}

HttpResponse CustomMetricsApi::EncodeValues(const HttpRequest& request,
                                            const RequestInfo& info) const {
  const std::optional<CustomRoute> route = ParseCustomRoute(info);
  if (!route) return NotFound();
  CustomMetricQuery query{route->resource, route->ns, route->name, route->metric, {}, {}};
  if (route->name == "*") {
    if (auto bad = ReadSelector(request, "labelSelector", metrics_.security(), &query.selector))
      return *bad;
  }
  if (auto bad =
          ReadSelector(request, "metricLabelSelector", metrics_.security(), &query.metric_selector))
    return *bad;
  auto result = provider_.GetCustomMetric(query);
  if (auto* values = std::get_if<std::vector<CustomMetricValue>>(&result))
    return Json(EncodeMetricValueList(route->version, *values, query.metric_selector));
  const ProviderError& error = std::get<ProviderError>(result);
  switch (error.kind) {
    case ProviderError::Kind::kNotFound: {
      // The messages of custom-metrics-apiserver's provider.NewMetricNotFound*Error.
      std::string message =
          "the server could not find the metric " + query.metric + " for " + query.resource;
      if (query.name != "*") message += " " + query.name;
      if (!query.metric_selector.Empty())
        message += " with selector " + query.metric_selector.ToString();
      return StatusResponse(404, "NotFound", message);
    }
    case ProviderError::Kind::kUnavailable:
      return StatusResponse(503, "ServiceUnavailable", error.message);
    case ProviderError::Kind::kInternal:
      break;
  }
  return StatusResponse(500, "InternalError", "Internal error occurred: " + error.message);
}

}  // namespace prescale::apiserver
