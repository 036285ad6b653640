// An http:// or https:// URL split into what a client dials. Shared by the Prometheus client
// (adapter/) and the Kubernetes client (apiserver/).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace prescale {

struct HttpUrl {
  bool tls = false;
  std::string host;  // an IPv6 address without its brackets
  std::string port;  // digits; 80 or 443 when the URL has none
  std::string path;  // "" or "/prefix", without a trailing '/'
};

// Parses "http[s]://host[:port][/path]" where host may be "[IPv6]". On a malformed URL returns
// nullopt and sets *error to a sentence naming `what` (e.g. "Prometheus URL"). Credentials
// ("user:password@host") are refused with `credentials_advice` (e.g. "use --token-file") and
// never echoed, so the error can be logged. Thread-safe (pure).
std::optional<HttpUrl> ParseHttpUrl(std::string_view url, std::string_view what,
                                    std::string_view credentials_advice, std::string* error);

}  // namespace prescale
