// An http:// or https:// URL split into what a client dials. Shared by the Prometheus client
// (adapter/) and the Kubernetes client (apiserver/).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace prescale {

struct HttpUrl {
  bool tls = false;
  std::string host;   // an IPv6 address without its brackets
  std::string port;   // digits; 80 or 443 when the URL has none
  std::string path;   // "" or "/prefix", without a trailing '/'
  std::string query;  // what followed '?', verbatim (still encoded), without the '?'; may be ""

  // The Host header: host, bracketed when IPv6, with ":port" unless it is the scheme's default.
  std::string HostHeader() const;
  // The request target of `api_path` ("/api/v1/query") below the URL: path + api_path, then
  // "?" + query when the URL has one.
  std::string Target(std::string_view api_path) const;
  // The URL for logs: scheme, host, port and path, and of the query only the parameter names
  // ("?dedup=...&tenant=..."): a gateway may take a key in a query value.
  std::string ForLogs() const;
};

// Parses "http[s]://host[:port][/path][?query]" where host may be "[IPv6]". On a malformed URL
// returns nullopt and sets *error to a sentence naming `what` (e.g. "Prometheus URL").
// Credentials ("user:password@host") are refused with `credentials_advice` (e.g. "use
// --token-file") and never echoed, so the error can be logged; so is a fragment ("#..."), which
// a client never sends. A query is kept verbatim, but it must not hold spaces or control bytes.
// Thread-safe (pure).
std::optional<HttpUrl> ParseHttpUrl(std::string_view url, std::string_view what,
                                    std::string_view credentials_advice, std::string* error);

}  // namespace prescale
