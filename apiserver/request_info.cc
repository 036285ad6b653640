#include "apiserver/request_info.h"

#include "common/names.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

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

bool IsPrintableUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return false;
    if (c < 0x80) {
      ++i;
      continue;
    }
    // Lead byte, its length and the smallest code point it may encode (no overlong forms).
    int length;
    uint32_t code, min;
    if ((c & 0xe0) == 0xc0) {
      length = 2, code = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      length = 3, code = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      length = 4, code = c & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (i + static_cast<size_t>(length) > s.size()) return false;
    for (int k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
      if ((next & 0xc0) != 0x80) return false;
      code = (code << 6) | (next & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return false;
    i += static_cast<size_t>(length);
  }
  return true;
}

std::optional<RequestInfo> ParseRequestInfo(std::string_view method, std::string_view target,
                                            std::string* error) {
  const auto fail = [error](std::string why) -> std::optional<RequestInfo> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  const std::string_view raw_path = target.substr(0, target.find('?'));
  if (raw_path.empty() || raw_path.front() != '/') return fail("the path must start with '/'");
  RequestInfo info;
  std::string_view trimmed = raw_path;
  while (!trimmed.empty() && trimmed.front() == '/') trimmed.remove_prefix(1);
  while (!trimmed.empty() && trimmed.back() == '/') trimmed.remove_suffix(1);
  // Decoded segment by segment: an encoded '/' stays data, so it is refused rather than split.
  while (!trimmed.empty()) {
    const size_t slash = trimmed.find('/');
    std::string decoded;
    if (!Unescape(trimmed.substr(0, slash), false, &decoded))
      return fail("malformed percent-encoding in the path");
    if (decoded.find('/') != std::string::npos) return fail("an encoded '/' in a path segment");
    if (!IsPrintableUtf8(decoded)) return fail("a path segment is not printable UTF-8");
    info.parts.push_back(std::move(decoded));
    if (slash == std::string_view::npos) break;
    trimmed.remove_prefix(slash + 1);
  }
  if (!Unescape(raw_path, false, &info.path)) return fail("malformed percent-encoding in the path");
  const std::vector<std::string>& p = info.parts;
  if (p.size() >= 4 && p[0] == "apis") {
    info.resource_request = true;
    info.group = p[1];
    info.version = p[2];
    std::vector<std::string> rest(p.begin() + 3, p.end());
    if (rest[0] == "namespaces" && rest.size() > 1) {
      info.ns = rest[1];
      if (!IsDns1123Label(info.ns)) return fail("invalid namespace name \"" + info.ns + "\"");
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
