#include "apiserver/request_info.h"

#include <algorithm>
#include <cctype>

namespace prescale::apiserver {
namespace {

bool Unescape(std::string_view in, bool plus_is_space, std::string* out) {
  if (in.find('%') == std::string_view::npos &&
      (!plus_is_space || in.find('+') == std::string_view::npos)) {
    out->assign(in);  // the common case: nothing to decode
    return true;
  }
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      const auto hex = [](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        return -1;
      };
      const int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  return true;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string ResourceVerb(std::string_view method, bool has_name) {
  if (method == "GET" || method == "HEAD") return has_name ? "get" : "list";
  if (method == "POST") return "create";
  if (method == "PUT") return "update";
  if (method == "PATCH") return "patch";
  if (method == "DELETE") return has_name ? "delete" : "deletecollection";
  return Lower(method);
}

}  // namespace

std::optional<RequestInfo> ParseRequestInfo(std::string_view method, std::string_view target) {
  const std::string_view raw_path = target.substr(0, target.find('?'));
  if (raw_path.empty() || raw_path.front() != '/') return std::nullopt;
  RequestInfo info;
  // A metric name never contains '%' or '/', so decoding segment by segment is exact.
  size_t start = 1;
  while (start <= raw_path.size()) {
    const size_t slash = raw_path.find('/', start);
    const std::string_view seg = raw_path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    std::string decoded;
    if (!Unescape(seg, false, &decoded)) return std::nullopt;
    if (!decoded.empty()) info.parts.push_back(decoded);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (!Unescape(raw_path, false, &info.path)) return std::nullopt;
  const std::vector<std::string>& p = info.parts;
  if (p.size() >= 4 && p[0] == "apis") {
    info.resource_request = true;
    info.group = p[1];
    info.version = p[2];
    std::vector<std::string> rest(p.begin() + 3, p.end());
    if (rest[0] == "namespaces" && rest.size() > 1) {
      info.ns = rest[1];
      if (rest.size() > 2) rest.erase(rest.begin(), rest.begin() + 2);
    }
    info.resource = rest[0];
    if (rest.size() > 1) info.name = rest[1];
    if (rest.size() > 2) info.subresource = rest[2];
    info.verb = ResourceVerb(method, !info.name.empty());
  } else {
    info.verb = Lower(method);
  }
  return info;
}

std::optional<std::string> QueryParameter(std::string_view target, std::string_view name,
                                          bool* malformed) {
  *malformed = false;
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    std::string key;
    if (!Unescape(pair.substr(0, eq), true, &key)) {
      *malformed = true;
      return std::nullopt;
    }
    if (key == name) {
      std::string value;
      if (eq != std::string_view::npos && !Unescape(pair.substr(eq + 1), true, &value)) {
        *malformed = true;
        return std::nullopt;
      }
      return value;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

bool AcceptsJson(std::string_view accept) {
  if (accept.empty()) return true;
  while (!accept.empty()) {
    const size_t comma = accept.find(',');
    std::string_view item = accept.substr(0, comma);
    item = item.substr(0, item.find(';'));
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    const std::string media = Lower(item);
    if (media == "*/*" || media == "application/*" || media == "application/json") return true;
    if (comma == std::string_view::npos) break;
    accept.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace prescale::apiserver
