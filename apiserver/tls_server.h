// The HTTPS transport: Boost.Beast over OpenSSL, TLS 1.2 and 1.3 only, HTTP/1.1 with keep-alive.
// I/O runs on `io_threads` threads (default: one per core); requests whose answer needs a call
// to the kube-apiserver (uncached token or access reviews) move to a small worker pool so that
// I/O threads never block. Client certificates are requested but not required; each
// connection's certificate is verified once by the CertificateVerifier and handed to the
// handler with every request.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "apiserver/cert_verifier.h"
#include "apiserver/handler.h"
#include "apiserver/serving_cert_reloader.h"

namespace prescale::apiserver {

struct TlsServerOptions {
  std::string bind_address = "0.0.0.0";
  uint16_t port = 6443;  // 0: an ephemeral port, see TlsServer::port()
  int io_threads = 0;    // 0: std::thread::hardware_concurrency()
  int blocking_threads = 4;
  // The serving certificate: `certificate` when set (and reloaded by its owner), otherwise
  // loaded once from cert_file and key_file.
  std::shared_ptr<ServingCertReloader> certificate;
  std::string cert_file;
  std::string key_file;
  std::chrono::seconds handshake_timeout{10};
  std::chrono::seconds idle_timeout{90};
  uint32_t max_body_bytes = 1 << 20;
};

class TlsServer {
 public:
  // `verifier` and `handler` must outlive the server.
  TlsServer(TlsServerOptions options, const CertificateVerifier& verifier, ApiHandler& handler);
  ~TlsServer();  // stops
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  // Loads the certificate, binds and starts the threads. Throws std::runtime_error with a
  // one-line reason (unreadable certificate or key, address in use).
  void Start();
  // Stops accepting, closes connections and joins the threads. Idempotent.
  void Stop();
  // The bound port (useful with port 0). Valid after Start().
  uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace prescale::apiserver
