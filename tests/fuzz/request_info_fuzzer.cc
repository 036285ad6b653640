// Fuzzes the request target: ParseRequestInfo (path split, percent-decoding, resource
// attributes) and QueryParameter (query decoding), as the handler calls them on every request.
//
// Input: an HTTP request line "METHOD TARGET" (without the " HTTP/1.1"); when the input has no
// space or the method is not an HTTP token (what Beast would accept), the whole input is the
// target of a GET.
// Invariants:
// - both functions are deterministic and throw nothing; a rejection says why;
// - a parsed target has a path starting with '/', segments that are printable UTF-8 without
//   '/' (the outer ones non-empty), a DNS-1123 namespace, and resource attributes that are the
//   segments they were taken from; a resource request has a non-empty verb;
// - IsPrintableUtf8 agrees with a table-driven UTF-8 validator (Unicode Table 3-7) on the input
//   and on every decoded segment;
// - a target without '%' decodes to itself (the path is the target before '?');
// - percent-encoding every decoded segment again and parsing that target gives the same
//   segments and attributes (if the new target is accepted at all);
// - a query value that decodes, encoded again, decodes to the same value; *malformed is set
//   only together with nullopt.
#include <algorithm>
#include <string>

#include "apiserver/request_info.h"
#include "common/names.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using prescale::apiserver::IsPrintableUtf8;
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

// Well-formed UTF-8 byte sequences per the Unicode Standard, Table 3-7, without C0 controls and
// DEL: an oracle written differently from IsPrintableUtf8.
bool ReferencePrintableUtf8(std::string_view s) {
  struct Row {
    unsigned char lo, hi;  // lead byte range
    unsigned char second_lo, second_hi;
    int continuation;  // bytes after the lead
  };
  static constexpr Row kRows[] = {{0xC2, 0xDF, 0x80, 0xBF, 1}, {0xE0, 0xE0, 0xA0, 0xBF, 2},
                                  {0xE1, 0xEC, 0x80, 0xBF, 2}, {0xED, 0xED, 0x80, 0x9F, 2},
                                  {0xEE, 0xEF, 0x80, 0xBF, 2}, {0xF0, 0xF0, 0x90, 0xBF, 3},
                                  {0xF1, 0xF3, 0x80, 0xBF, 3}, {0xF4, 0xF4, 0x80, 0x8F, 3}};
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7F) return false;
      ++i;
      continue;
    }
    const Row* row = nullptr;
    for (const Row& r : kRows)
      if (c >= r.lo && c <= r.hi) row = &r;
    if (!row || i + static_cast<size_t>(row->continuation) >= s.size()) return false;
    const auto second = static_cast<unsigned char>(s[i + 1]);
    if (second < row->second_lo || second > row->second_hi) return false;
    for (int k = 2; k <= row->continuation; ++k) {
      const auto b = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
      if (b < 0x80 || b > 0xBF) return false;
    }
    i += 1 + static_cast<size_t>(row->continuation);
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
  std::string error;
  const std::optional<RequestInfo> info = ParseRequestInfo(method, target, &error);
  const std::optional<RequestInfo> again = ParseRequestInfo(method, target);
  FUZZ_CHECK(info.has_value() == again.has_value() && (!info || SameAttributes(*info, *again)),
             "ParseRequestInfo is not deterministic on " + Printable(input));
  FUZZ_CHECK(IsPrintableUtf8(input) == ReferencePrintableUtf8(input),
             "IsPrintableUtf8 disagrees with the reference on " + Printable(input));

  for (const char* name : {"labelSelector", "verbose", "watch", ""}) CheckQuery(target, name);

  if (!info) {
    FUZZ_CHECK(!error.empty(), "a rejected target without a reason: " + Printable(input));
    return 0;
  }
  const std::string_view raw_path = target.substr(0, target.find('?'));
  FUZZ_CHECK(!info->path.empty() && info->path.front() == '/',
             "decoded path does not start with '/': " + Printable(input));
  for (const std::string& part : info->parts) {
    FUZZ_CHECK(part.find('/') == std::string::npos && IsPrintableUtf8(part) &&
                   ReferencePrintableUtf8(part),
               "a segment with '/' or not printable UTF-8 in " + Printable(input));
  }
  FUZZ_CHECK(info->parts.empty() || (!info->parts.front().empty() && !info->parts.back().empty()),
             "an empty outer segment in " + Printable(input));
  if (raw_path.find('%') == std::string_view::npos)
    FUZZ_CHECK(info->path == raw_path, "a path without escapes changed: " + Printable(input));
  if (info->resource_request) {
    const auto& p = info->parts;
    FUZZ_CHECK(p.size() >= 4 && p[0] == "apis" && p[1] == info->group && p[2] == info->version,
               "group/version are not the path's segments: " + Printable(input));
    FUZZ_CHECK(!info->verb.empty(), "resource request without a verb: " + Printable(input));
    const bool in_parts = std::find(p.begin(), p.end(), info->resource) != p.end();
    FUZZ_CHECK(in_parts, "resource is not a segment: " + Printable(input));
    FUZZ_CHECK(info->ns.empty() || prescale::IsDns1123Label(info->ns),
               "namespace is not a DNS-1123 label: " + Printable(input));
  }

  // Re-encode each decoded segment and parse again: the same request.
  std::string encoded = "/";
  for (size_t i = 0; i < info->parts.size(); ++i)
    encoded += (i ? "/" : "") + PercentEncode(info->parts[i]);
  const std::optional<RequestInfo> reparsed = ParseRequestInfo(method, encoded);
  if (reparsed)
    FUZZ_CHECK(SameAttributes(*info, *reparsed),
               "re-encoded target " + Printable(encoded) + " differs from " + Printable(input));
  return 0;
}
