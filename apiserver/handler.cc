#include "apiserver/handler.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "apiserver/api_types.h"
#include "apiserver/openapi.h"
#include "apiserver/request_info.h"
#include "common/log.h"

namespace prescale::apiserver {
namespace {

constexpr std::string_view kTextPlain = "text/plain; charset=utf-8";
constexpr std::string_view kGroupPath = "/apis/external.metrics.k8s.io";
constexpr std::string_view kVersionPath = "/apis/external.metrics.k8s.io/v1beta1";

HttpResponse Json(std::string body) {
  HttpResponse r;
  r.body = std::move(body);
  return r;
}

HttpResponse Text(int status, std::string body, std::string_view content_type = kTextPlain) {
  HttpResponse r;
  r.status = status;
  r.content_type = std::string(content_type);
  r.body = std::move(body);
  return r;
}

// JSON text of `j`; invalid UTF-8 (from a client) is replaced, never an exception.
std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string Quote(std::string_view s) { return Dump(std::string(s)); }

// The message k8s.io/apiserver's responsewriters.Forbidden() writes.
HttpResponse Forbidden(const RequestInfo& info, const UserInfo& user, const std::string& reason) {
  const std::string suffix = reason.empty() ? "" : ": " + reason;
  if (!info.resource_request) {
    return StatusResponse(403, "Forbidden",
                          "forbidden: User " + Quote(user.name) + " cannot " + info.verb +
                              " path " + Quote(info.path) + suffix);
  }
  std::string subject = info.resource + "." + info.group;
  if (!info.name.empty()) subject += " " + Quote(info.name);
  std::string message = subject + " is forbidden: User " + Quote(user.name) + " cannot " +
                        info.verb + " resource " + Quote(info.resource) + " in API group " +
                        Quote(info.group);
  if (!info.ns.empty()) message += " in the namespace " + Quote(info.ns);
  nlohmann::json details = {{"group", info.group}, {"kind", info.resource}};
  if (!info.name.empty()) details["name"] = info.name;
  return StatusResponse(403, "Forbidden", message + suffix, Dump(details));
}

HttpResponse NotFound() {
  return StatusResponse(404, "NotFound", "the server could not find the requested resource");
}

bool PathIs(const std::string& path, std::string_view want) {
  return path == want || (path.size() == want.size() + 1 && path.back() == '/' &&
                          path.compare(0, want.size(), want) == 0);
}

AccessAttributes ToAttributes(const RequestInfo& info, UserInfo user) {
  AccessAttributes a;
  a.user = std::move(user);
  a.resource_request = info.resource_request;
  a.verb = info.verb;
  a.path = info.path;
  a.ns = info.ns;
  a.group = info.group;
  a.version = info.version;
  a.resource = info.resource;
  a.subresource = info.subresource;
  a.name = info.name;
  return a;
}

}  // namespace

HttpResponse StatusResponse(int code, std::string_view reason, std::string_view message,
                            std::string_view details_json) {
  HttpResponse r;
  r.status = code;
  r.body = EncodeStatus(code, reason, message, details_json);
  return r;
}

ApiHandler::ApiHandler(const ExternalMetricsProvider& provider, Authenticator& authenticator,
                       Authorizer& authorizer, ServerMetrics& metrics, HandlerOptions options)
    : provider_(provider),
      authenticator_(authenticator),
      authorizer_(authorizer),
      metrics_(metrics),
      options_(std::move(options)) {}

std::optional<HttpResponse> ApiHandler::Handle(const HttpRequest& request, bool allow_blocking) {
  const auto start = std::chrono::steady_clock::now();
  enum Route route = Route::kOther;
  std::optional<HttpResponse> response = Answer(request, allow_blocking, &route);
  if (!response) return std::nullopt;
  response->headers.emplace_back("Cache-Control", "no-cache, private");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  metrics_.RecordRequest(route, response->status, seconds);
  return response;
}

std::optional<HttpResponse> ApiHandler::Answer(const HttpRequest& request, bool allow_blocking,
                                               enum Route* route) {
  static const ClientCertificate kNoCertificate;
  const ClientCertificate& cert = request.certificate ? *request.certificate : kNoCertificate;
  // Before any credential is looked at: what cannot be a request costs no review.
  static constexpr std::string_view kMethods[] = {"GET",   "HEAD",   "POST",   "PUT",
                                                  "PATCH", "DELETE", "OPTIONS"};
  if (std::find(std::begin(kMethods), std::end(kMethods), request.method) == std::end(kMethods))
    return StatusResponse(405, "MethodNotAllowed", "unknown HTTP method");
  std::string malformed;
  const std::optional<RequestInfo> info =
      ParseRequestInfo(request.method, request.target, &malformed);
  if (!info) return StatusResponse(400, "BadRequest", "malformed request path: " + malformed);
  if (info->path.size() > options_.max_path_bytes) {
    metrics_.security().LimitHit(Limit::kUriBytes);
    return StatusResponse(
        414, "BadRequest",
        "request path too long (limit " + std::to_string(options_.max_path_bytes) + " bytes)");
  }

  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  AuthenticationResult authn =
      authenticator_.Authenticate(cert, request.headers, allow_blocking, now);
  if (authn.outcome == AuthenticationResult::Outcome::kWouldBlock) return std::nullopt;
  if (authn.from_remote) {
    metrics_.RecordDelegation(ServerMetrics::Delegation::kTokenReview,
                              authn.outcome == AuthenticationResult::Outcome::kAuthenticated
                                  ? ServerMetrics::Result::kAllowed
                              : authn.failure == AuthnFailure::kReviewError
                                  ? ServerMetrics::Result::kError  // unreachable, 5xx, bad JSON
                                  : ServerMetrics::Result::kDenied);
  }
  if (authn.outcome != AuthenticationResult::Outcome::kAuthenticated) {
    metrics_.security().AuthenticationFailed(Surface::kHttps, authn.failure);
    log::Debug("request unauthenticated", {{"path", info->path}, {"reason", authn.reason}});
    return StatusResponse(401, "Unauthorized", "Unauthorized");
  }
  const AccessAttributes attributes = ToAttributes(*info, std::move(authn.user));
  const AuthorizationDecision authz = authorizer_.Authorize(attributes, allow_blocking);
  using Outcome = AuthorizationDecision::Outcome;
  if (authz.outcome == Outcome::kWouldBlock) return std::nullopt;
  if (authz.from_remote) {
    metrics_.RecordDelegation(ServerMetrics::Delegation::kSubjectAccessReview,
                              authz.outcome == Outcome::kAllowed  ? ServerMetrics::Result::kAllowed
                              : authz.outcome == Outcome::kDenied ? ServerMetrics::Result::kDenied
                                                                  : ServerMetrics::Result::kError);
  }
  if (authz.outcome == Outcome::kAllowed) return Dispatch(request, *info, route);
  metrics_.security().AuthorizationDenied(Surface::kHttps, authz.outcome == Outcome::kDenied
                                                               ? AuthzDenial::kDenied
                                                               : AuthzDenial::kReviewError);
  if (authz.outcome == Outcome::kDenied) return Forbidden(*info, attributes.user, authz.reason);
  log::Warn("authorization check failed",
            {{"path", info->path}, {"user", attributes.user.name}, {"reason", authz.reason}});
  return StatusResponse(500, "InternalError",
                        "Internal error occurred: authorization check failed: " + authz.reason);
}

HttpResponse ApiHandler::Dispatch(const HttpRequest& request, const RequestInfo& info,
                                  enum Route* route) {
  const std::string& path = info.path;
  if (request.method != "GET" && request.method != "HEAD") {
    return StatusResponse(405, "MethodNotAllowed",
                          "the server does not allow this method on the requested resource");
  }
  const bool json_ok = AcceptsJson(FindHeader(request.headers, "Accept"));
  if (path == "/healthz" || path == "/livez" || path == "/readyz") {
    *route = path == "/healthz" ? Route::kHealthz
             : path == "/livez" ? Route::kLivez
                                : Route::kReadyz;
    const bool ready = path != "/readyz" || provider_.Ready();
    return Health(request, path.substr(1), ready, "no snapshot has been published yet");
  }
  if (path == "/metrics") {
    *route = Route::kMetrics;
    return Text(200, options_.metrics_text ? options_.metrics_text() : "",
                "text/plain; version=0.0.4; charset=utf-8");
  }
  if (!json_ok) {
    return StatusResponse(406, "NotAcceptable",
                          "only the following media types are accepted: application/json");
  }
  if (path == "/version") {
    *route = Route::kVersion;
    return Json(options_.version_json);
  }
  if (PathIs(path, "/apis")) {
    *route = Route::kApis;
    return Json(EncodeApiGroupList());
  }
  if (PathIs(path, kGroupPath)) {
    *route = Route::kGroup;
    return Json(EncodeApiGroup());
  }
  if (PathIs(path, kVersionPath)) {
    *route = Route::kResourceList;
    return Json(EncodeApiResourceList(provider_.ListAllExternalMetrics()));
  }
  if (path == "/openapi/v2") {
    *route = Route::kOpenApiV2;
    return Json(OpenApiV2());
  }
  if (path == "/openapi/v3" || path == "/openapi/v3/") {
    *route = Route::kOpenApiV3;
    return Json(OpenApiV3Index());
  }
  if (path == kOpenApiV3GroupPath) {
    *route = Route::kOpenApiV3;
    return Json(OpenApiV3Group());
  }
  // The one resource route: /apis/<group>/<version>/namespaces/{ns}/{metric}.
  if (info.resource_request && info.group == kGroup && info.version == kVersion &&
      info.parts.size() == 6 && info.parts[3] == "namespaces") {
    *route = Route::kList;
    return ListMetricValues(request, info);
  }
  return NotFound();
}

namespace {

// Encoded list responses, per thread, for the provider generation they were computed at. HPAs
// ask the same question every sync period, so most requests between two refreshes are answered
// from here without parsing the selector or encoding again. Per thread: no locks, no sharing.
struct ResponseCache {
  const void* owner = nullptr;
  uint64_t generation = 0;
  size_t bytes = 0;
  std::unordered_map<std::string, std::string> bodies;  // key: the request target
};
constexpr size_t kMaxCachedResponses = 1024;
constexpr size_t kMaxCachedBytes = 8 << 20;  // per thread

ResponseCache& ThreadResponseCache(const void* owner, uint64_t generation) {
  thread_local ResponseCache cache;
  if (cache.owner != owner || cache.generation != generation ||
      cache.bodies.size() >= kMaxCachedResponses || cache.bytes >= kMaxCachedBytes) {
    cache.owner = owner;
    cache.generation = generation;
    cache.bytes = 0;
    cache.bodies.clear();
  }
  return cache;
}

}  // namespace

HttpResponse ApiHandler::ListMetricValues(const HttpRequest& request, const RequestInfo& info) {
  // Read before the values, so a cached body is never older than its generation.
  const uint64_t generation = provider_.Generation();
  ResponseCache* cache = generation != 0 ? &ThreadResponseCache(this, generation) : nullptr;
  if (cache) {
    const auto it = cache->bodies.find(std::string(request.target));
    if (it != cache->bodies.end()) return Json(it->second);
  }
  HttpResponse response = EncodeMetricValues(request, info);
  if (cache && response.status == 200) {
    cache->bytes += request.target.size() + response.body.size();
    cache->bodies.emplace(std::string(request.target), response.body);
  }
  return response;
}

HttpResponse ApiHandler::EncodeMetricValues(const HttpRequest& request, const RequestInfo& info) {
  bool malformed = false;
  const std::optional<std::string> selector_text =
      QueryParameter(request.target, "labelSelector", &malformed);
  if (malformed) return StatusResponse(400, "BadRequest", "malformed query string");
  LabelSelector selector;
  if (selector_text) {
    std::string error;
    bool too_large = false;
    std::optional<LabelSelector> parsed = LabelSelector::Parse(*selector_text, &error, &too_large);
    if (!parsed) {
      if (too_large) metrics_.security().LimitHit(Limit::kSelector);
      return StatusResponse(400, "BadRequest",
                            "unable to parse requirement: " + error + " in labelSelector " +
                                Quote(SelectorExcerpt(*selector_text)));
    }
    selector = std::move(*parsed);
  }
  const std::string& metric = info.resource;
  auto result = provider_.GetExternalMetric(info.ns, metric, selector);
  if (auto* values = std::get_if<MetricValues>(&result)) {
    return Json(EncodeExternalMetricValueList(*values));
  }
  const ProviderError& error = std::get<ProviderError>(result);
  switch (error.kind) {
    case ProviderError::Kind::kNotFound:
      return StatusResponse(404, "NotFound",
                            "the server could not find the metric " + metric + " for namespaces" +
                                (error.message.empty() ? "" : ": " + error.message),
                            Dump({{"name", metric}, {"kind", "namespaces"}}));
    case ProviderError::Kind::kUnavailable:
      return StatusResponse(503, "ServiceUnavailable", error.message);
    case ProviderError::Kind::kInternal:
      break;
  }
  return StatusResponse(500, "InternalError", "Internal error occurred: " + error.message);
}

HttpResponse ApiHandler::Health(const HttpRequest& request, std::string_view name, bool ok,
                                std::string_view failure) {
  bool malformed = false;
  const bool verbose = QueryParameter(request.target, "verbose", &malformed).has_value();
  std::string body;
  if (verbose || !ok) {
    body = "[+]ping ok\n";
    if (name == "readyz") {
      body += ok ? "[+]snapshot ok\n" : "[-]snapshot failed: " + std::string(failure) + "\n";
    }
    body += std::string(name) + (ok ? " check passed\n" : " check failed\n");
  } else {
    body = "ok";
  }
  return Text(ok ? 200 : 503, std::move(body));
}

}  // namespace prescale::apiserver
