// Fuzzes the request target: ParseRequestInfo (path split, percent-decoding, resource
// attributes) and QueryParameter (query decoding), as the handler calls them on every request.
//
// Input: an HTTP request line "METHOD TARGET" (without the " HTTP/1.1"); when the input has no
// space or the method is not an HTTP token (what Beast would accept), the whole input is the
// target of a GET.
// Invariants:
// - both functions are deterministic and throw nothing;
// - a parsed target has a path starting with '/', no empty segment, and the resource attributes
//   are the segments they were taken from; a resource request has a non-empty verb;
// - a target without '%' decodes to itself (the path is the target before '?');
// - percent-encoding every decoded segment again and parsing that target gives the same
//   segments and attributes (if the new target is accepted at all);
// - a query value that decodes, encoded again, decodes to the same value; *malformed is set
//   only together with nullopt.
#include <algorithm>
#include <string>

#include "apiserver/request_info.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using prescale::apiserver::ParseRequestInfo;
using prescale::apiserver::QueryParameter;
using prescale::apiserver::RequestInfo;
using prescale::fuzz::PercentEncode;
using prescale::fuzz::Printable;

// RFC 9110 token characters: what the HTTP parser lets through as a method.
bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (const unsigned char c : s) {
    const bool tchar =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
    if (!tchar) return false;
  }
  return true;
}

bool SameAttributes(const RequestInfo& a, const RequestInfo& b) {
  return a.resource_request == b.resource_request && a.verb == b.verb && a.group == b.group &&
         a.version == b.version && a.ns == b.ns && a.resource == b.resource && a.name == b.name &&
         a.subresource == b.subresource && a.parts == b.parts;
}

void CheckQuery(std::string_view target, std::string_view name) {
  bool malformed = true;
  const std::optional<std::string> value = QueryParameter(target, name, &malformed);
  bool again_malformed = false;
  FUZZ_CHECK(
      QueryParameter(target, name, &again_malformed) == value && again_malformed == malformed,
      "QueryParameter is not deterministic on " + Printable(target));
  FUZZ_CHECK(!malformed || !value, "malformed with a value on " + Printable(target));
  if (!value) return;
  const std::string rebuilt = "/x?" + PercentEncode(name) + "=" + PercentEncode(*value);
  bool rebuilt_malformed = true;
  const std::optional<std::string> back = QueryParameter(rebuilt, name, &rebuilt_malformed);
  FUZZ_CHECK(back == value && !rebuilt_malformed,
             "re-encoded query value does not decode back: " + Printable(rebuilt));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input = prescale::fuzz::AsText(data, size);
  std::string_view method = "GET", target = input;
  if (const size_t space = input.find(' ');
      space != std::string_view::npos && IsToken(input.substr(0, space))) {
    method = input.substr(0, space);
    target = input.substr(space + 1);
  }
  const std::optional<RequestInfo> info = ParseRequestInfo(method, target);
  const std::optional<RequestInfo> again = ParseRequestInfo(method, target);
  FUZZ_CHECK(info.has_value() == again.has_value() && (!info || SameAttributes(*info, *again)),
             "ParseRequestInfo is not deterministic on " + Printable(input));

  for (const char* name : {"labelSelector", "verbose", "watch", ""}) CheckQuery(target, name);

  if (!info) return 0;
  const std::string_view raw_path = target.substr(0, target.find('?'));
  FUZZ_CHECK(!info->path.empty() && info->path.front() == '/',
             "decoded path does not start with '/': " + Printable(input));
  for (const std::string& part : info->parts)
    FUZZ_CHECK(!part.empty(), "an empty segment in the parts of " + Printable(input));
  if (raw_path.find('%') == std::string_view::npos)
    FUZZ_CHECK(info->path == raw_path, "a path without escapes changed: " + Printable(input));
  if (info->resource_request) {
    const auto& p = info->parts;
    FUZZ_CHECK(p.size() >= 4 && p[0] == "apis" && p[1] == info->group && p[2] == info->version,
               "group/version are not the path's segments: " + Printable(input));
    FUZZ_CHECK(!info->verb.empty() && !info->resource.empty(),
               "resource request without verb or resource: " + Printable(input));
    const bool in_parts = std::find(p.begin(), p.end(), info->resource) != p.end();
    FUZZ_CHECK(in_parts, "resource is not a segment: " + Printable(input));
  }

  // Re-encode each decoded segment and parse again: the same request.
  std::string encoded;
  for (const std::string& part : info->parts) encoded += "/" + PercentEncode(part);
  if (encoded.empty()) encoded = "/";
  const std::optional<RequestInfo> reparsed = ParseRequestInfo(method, encoded);
  if (reparsed)
    FUZZ_CHECK(SameAttributes(*info, *reparsed),
               "re-encoded target " + Printable(encoded) + " differs from " + Printable(input));
  return 0;
}
