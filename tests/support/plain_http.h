// Plain (no TLS) HTTP/1.1 on 127.0.0.1 for tests: a thread-per-connection server whose handlers
// may block (for "slow" and "hanging" endpoints), and a blocking client with a deadline. Used by
// MetricsExporter, FakePrometheus and PrometheusServer.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tests/support/https_client.h"
#include "tests/support/tls_http_server.h"

namespace prescale::testsupport {

// Listens on 127.0.0.1:`port` (0: ephemeral) from construction until destruction. Each
// connection gets its own thread, which reads requests (keep-alive honoured) and answers each
// with `handler`; handlers therefore run concurrently and may block, but must return once their
// owner asks them to (the server cannot interrupt a handler). Destruction stops accepting, shuts
// every open connection down and joins all threads: the owner must first wake any handler it
// keeps waiting. The constructor throws std::runtime_error if it cannot listen.
class PlainHttpServer {
 public:
  using Handler = std::function<ServerResponse(const ServerRequest&)>;

  explicit PlainHttpServer(Handler handler, int port = 0);
  ~PlainHttpServer();
  PlainHttpServer(const PlainHttpServer&) = delete;
  PlainHttpServer& operator=(const PlainHttpServer&) = delete;

  int port() const;
  // "http://127.0.0.1:<port>"
  std::string url() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// One request on a fresh connection to http://<host>:<port>, everything (connect, write, read)
// bounded by `timeout`. Transport failures are in HttpsResult::error ("connect: ...",
// "timeout"); HTTP error statuses are responses. Thread-safe (no shared state).
HttpsResult PlainHttpSend(const std::string& host, int port, const HttpsRequest& request,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));

// application/x-www-form-urlencoded and URL query strings: "a=1&b=x%20y" -> {a: 1, b: "x y"}
// ('+' is a space). A repeated key keeps its last value.
std::map<std::string, std::string> ParseFormEncoded(std::string_view text);
std::string UrlEncode(std::string_view text);

// Splits a request target into path and decoded query parameters.
struct ParsedTarget {
  std::string path{};
  std::map<std::string, std::string> params{};
};
ParsedTarget ParseTarget(std::string_view target);

}  // namespace prescale::testsupport
