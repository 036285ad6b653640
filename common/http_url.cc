#include "common/http_url.h"

namespace prescale {

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
  const size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  if (authority.find('@') != std::string_view::npos) {
    // Not echoed: the URL would carry a password into the logs.
    *error =
        "credentials in the " + name + " are not supported; " + std::string(credentials_advice);
    return std::nullopt;
  }
  u.path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
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
