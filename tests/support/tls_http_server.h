// The transport under FakeKubeApiserver: an HTTPS/1.1 server on 127.0.0.1 with its own thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/https_client.h"

namespace prescale::testsupport {

// The client certificate a caller presented, after verification against the client CA.
struct PeerCertificate {
  bool present = false;
  std::string common_name{};
  std::vector<std::string> organizations{};
};

struct ServerRequest {
  std::string method{};
  std::string target{};
  HeaderList headers{};
  std::string body{};
  PeerCertificate peer{};
  // First value of a header (case-insensitive); empty if absent.
  std::string Header(std::string_view name) const;
};

struct ServerResponse {
  int status = 200;
  HeaderList headers{};
  std::string body{};
};

struct TlsHttpServerOptions {
  std::string cert_file{};
  std::string key_file{};
  // When set, client certificates are requested and, if presented, must chain to this CA (or the
  // handshake fails); callers without one are still accepted.
  std::string client_ca_file{};
  // With client_ca_file: callers without a client certificate fail the handshake too.
  bool require_client_certificate = false;
  int min_tls_version = 0;  // 0: TLS 1.2
  // TLS <= 1.2 cipher list; OpenSSL 3 needs "DEFAULT:@SECLEVEL=0" to speak TLS 1.0/1.1 at all.
  std::string cipher_list{};
};

// Listens on 127.0.0.1 at an ephemeral port from construction until destruction, serving each
// request with `handler` on the server's own I/O thread (one thread: handlers never run
// concurrently; they must not block for long). Keep-alive is honoured. Constructor throws
// std::runtime_error if TLS setup or listening fails. SetDelay/SetDown are thread-safe.
class TlsHttpServer {
 public:
  using Handler = std::function<ServerResponse(const ServerRequest&)>;

  TlsHttpServer(TlsHttpServerOptions options, Handler handler);
  ~TlsHttpServer();
  TlsHttpServer(const TlsHttpServer&) = delete;
  TlsHttpServer& operator=(const TlsHttpServer&) = delete;

  int port() const;

  // Every response is held back this long (asynchronously: other connections proceed).
  void SetDelay(std::chrono::milliseconds delay);

  // Down: closes the listening socket and every open connection, so connects are refused. Up:
  // listens again on the same port (throws std::runtime_error if it was taken meanwhile). Returns
  // once the change is in effect.
  void SetDown(bool down);
  bool down() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace prescale::testsupport
