// What a request asks for, derived from method and path the way k8s.io/apiserver's
// RequestInfoFactory does: resource requests under /apis/<group>/<version>/... (the external
// metric list is verb "list" on resource <metric> in the namespace), everything else a
// non-resource request on its path. Also the query-string and Accept helpers. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace prescale::apiserver {

struct RequestInfo {
  bool resource_request = false;
  std::string verb;
  std::string path;  // decoded path without the query
  std::string group, version, ns, resource, name, subresource;
  std::vector<std::string> parts;  // path segments
};

// Returns nullopt, with *error saying why when given, when the path is not valid: no leading
// '/', bad percent-encoding, a segment whose decoded bytes hold '/', a control character or
// invalid UTF-8, or (resource requests) a namespace that is not a DNS-1123 label. Segments split
// as k8s.io/apiserver splits them: leading and trailing '/' trimmed, empty inner segments kept.
std::optional<RequestInfo> ParseRequestInfo(std::string_view method, std::string_view target,
                                            std::string* error = nullptr);

// Whether `s` is valid UTF-8 without control characters (C0, DEL).
bool IsPrintableUtf8(std::string_view s);

// The value of query parameter `name` (first occurrence), URL-decoded ('+' is a space), or
// nullopt when absent. *malformed is set on a bad escape.
std::optional<std::string> QueryParameter(std::string_view target, std::string_view name,
                                          bool* malformed);

// Whether an Accept header admits a JSON answer: absent, */*, application/*, application/json.
bool AcceptsJson(std::string_view accept);

}  // namespace prescale::apiserver
