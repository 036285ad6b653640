// The HTTPS transport: Boost.Beast over OpenSSL, TLS 1.2 and 1.3 only, HTTP/1.1 with keep-alive.
// I/O runs on `io_threads` threads (default: one per core); requests whose answer needs a call
// to the kube-apiserver (uncached token or access reviews) move to a small worker pool so that
// I/O threads never block. Client certificates are requested but not required; each
// connection's certificate is verified once by the CertificateVerifier and handed to the
// handler with every request. The API is read-only: a request that carries a body is answered
// 413 before it is authenticated, and its body is never read. Every bound of TlsServerOptions
// that refuses work counts in SecurityMetrics::LimitHit.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "apiserver/cert_verifier.h"
#include "apiserver/handler.h"
#include "apiserver/security_metrics.h"
#include "apiserver/serving_cert_reloader.h"
#include "apiserver/tls_settings.h"

namespace prescale::apiserver {

struct TlsServerOptions {
  // "0.0.0.0" and "::" listen on every interface of both IP families (one dual-stack socket,
  // IPv4 only where the host has no IPv6), as Kubernetes components do.
  std::string bind_address = "0.0.0.0";
  uint16_t port = 6443;  // 0: an ephemeral port, see TlsServer::port()
  int io_threads = 0;    // 0: std::thread::hardware_concurrency()
  // Threads that wait on the kube-apiserver (uncached reviews), and how many requests may wait
  // for them; beyond that a request gets 429 with Retry-After, and one that waited longer than
  // review_queue_timeout gets 503 without a review.
  int blocking_threads = 4;
  int max_pending_reviews = 256;
  std::chrono::seconds review_queue_timeout{10};
  // The serving certificate: `certificate` when set (and reloaded by its owner), otherwise
  // loaded once from cert_file and key_file.
  std::shared_ptr<ServingCertReloader> certificate;
  std::string cert_file;
  std::string key_file;
  // Connections above this are closed at accept (the ones open keep being served).
  int max_connections = 4096;
  std::chrono::seconds handshake_timeout{10};
  // From a request's first byte to its last header line (slowloris); the connection is closed.
  std::chrono::seconds request_timeout{30};
  // Between requests of a kept-alive connection.
  std::chrono::seconds idle_timeout{90};
  // Request line and header fields (431; a request line alone over max_target_bytes: 414).
  uint32_t max_header_bytes = 64 * 1024;
  uint32_t max_target_bytes = 16 * 1024;
  // A connection, however busy, is closed after this (its next request goes elsewhere), so a
  // client certificate is not trusted for longer than this past its expiry check.
  std::chrono::seconds max_connection_age{3600};
  TlsSettings tls = DefaultTlsSettings();  // --tls-min-version, --tls-cipher-suites
  // SO_REUSEPORT: another process may listen on the same port (--permit-port-sharing).
  bool permit_port_sharing = false;
};

class TlsServer {
 public:
  // `verifier`, `handler` and `security` (optional) must outlive the server.
  TlsServer(TlsServerOptions options, const CertificateVerifier& verifier, ApiHandler& handler,
            SecurityMetrics* security = nullptr);
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
