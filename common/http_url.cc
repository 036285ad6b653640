#include "common/http_url.h"

#include <algorithm>

namespace prescale {

std::string HttpUrl::HostHeader() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != (tls ? "443" : "80")) out += ":" + port;
  return out;
}

std::string HttpUrl::Target(std::string_view api_path) const {
  std::string out = path;
  out += api_path;
  if (!query.empty()) {
    out += '?';
    out += query;
  }
  return out;
}

std::string HttpUrl::ForLogs() const {
  std::string out = (tls ? "https://" : "http://") + HostHeader() + path;
  char separator = '?';
  for (size_t start = 0; start < query.size();) {
    const size_t end = std::min(query.find('&', start), query.size());
    const std::string_view pair = std::string_view(query).substr(start, end - start);
    const size_t equals = pair.find('=');
    out += separator;
    out += pair.substr(0, equals);
    if (equals != std::string_view::npos) out += "=...";
    separator = '&';
    start = end + 1;
  }
  return out;
}

std::optional<HttpUrl> ParseHttpUrl(std::string_view url, std::string_view what,
                                    std::string_view credentials_advice, std::string* error) {
  const std::string name(what);
  HttpUrl u;
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
    u.port = "80";
  } else if (url.starts_with("https://")) {
    rest = url.substr(8);
    u.tls = true;
    u.port = "443";
  } else {
    *error = name + " must start with http:// or https://, got \"" + std::string(url) + "\"";
    return std::nullopt;
  }
  const size_t authority_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, authority_end);
  if (authority.find('@') != std::string_view::npos) {
    // Not echoed: the URL would carry a password into the logs.
    *error =
        "credentials in the " + name + " are not supported; " + std::string(credentials_advice);
    return std::nullopt;
  }
  std::string_view tail =
      authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (tail.find('#') != std::string_view::npos) {
    *error = name + " has a fragment (#...), which is never sent to the server: remove it";
    return std::nullopt;
  }
  const size_t question = tail.find('?');
  if (question != std::string_view::npos) {
    u.query = tail.substr(question + 1);
    tail = tail.substr(0, question);
    for (const char c : u.query) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte <= 0x20 || byte == 0x7F) {
        *error = name + " has a space or a control character in its query: encode it (%20...)";
        return std::nullopt;
      }
    }
  }
  u.path = tail;
  while (!u.path.empty() && u.path.back() == '/') u.path.pop_back();
  if (!authority.empty() && authority.front() == '[') {  // [::1]:9090
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      *error = name + " has an unterminated IPv6 address: " + std::string(url);
      return std::nullopt;
    }
    u.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') u.host.clear();  // "[::1]x": malformed
      u.port = authority.substr(close + 2);
    }
  } else {
    const size_t colon = authority.rfind(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) u.port = authority.substr(colon + 1);
  }
  if (u.host.empty() || u.port.empty() ||
      u.port.find_first_not_of("0123456789") != std::string::npos) {
    *error = name + " has no valid host and port: \"" + std::string(url) + "\"";
    return std::nullopt;
  }
  return u;
}

}  // namespace prescale
