#include "apiserver/tls_server.h"

#include <openssl/ssl.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <stdexcept>
#include <thread>
#include <vector>

#include "common/log.h"

namespace prescale::apiserver {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

// What every connection shares; owned by TlsServer::Impl.
struct Shared {
  const TlsServerOptions& options;
  const CertificateVerifier& verifier;
  ApiHandler& handler;
  net::thread_pool& blocking_pool;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, ssl::context& ctx, Shared& shared)
      : stream_(std::move(socket), ctx), shared_(shared), idle_timer_(stream_.get_executor()) {}

  void Run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      beast::get_lowest_layer(self->stream_).expires_after(self->shared_.options.handshake_timeout);
      self->stream_.async_handshake(ssl::stream_base::server,
                                    [self](beast::error_code ec) { self->OnHandshake(ec); });
    });
  }

 private:
  void OnHandshake(beast::error_code ec) {
    if (ec) {
      log::Debug("TLS handshake failed", {{"error", ec.message()}});
      return;
    }
    SSL* ssl = stream_.native_handle();
    certificate_ =
        shared_.verifier.Verify(SSL_get0_peer_certificate(ssl), SSL_get_peer_cert_chain(ssl));
    // From here on the idle watchdog bounds the connection, not a timer per operation.
    beast::get_lowest_layer(stream_).expires_never();
    Touch();
    WatchIdle();
    DoRead();
  }

  void Touch() { last_activity_ = std::chrono::steady_clock::now(); }

  // Arming Beast's per-operation timeout on every read and write cost about 8 % of throughput
  // under keep-alive load. Instead one timer per connection wakes up at the idle deadline and
  // closes the socket if nothing happened since: an idle or stalled client is dropped after
  // between idle_timeout and twice that.
  void WatchIdle() {
    idle_timer_.expires_at(last_activity_ + shared_.options.idle_timeout);
    idle_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;  // cancelled: the session ended
      if (std::chrono::steady_clock::now() - self->last_activity_ >=
          self->shared_.options.idle_timeout) {
        beast::error_code ignored;
        beast::get_lowest_layer(self->stream_).socket().close(ignored);
        return;
      }
      self->WatchIdle();
    });
  }

  void End() { idle_timer_.cancel(); }

  void DoRead() {
    parser_.emplace();
    parser_->body_limit(shared_.options.max_body_bytes);
    parser_->header_limit(64 * 1024);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::end_of_stream) return DoClose();
    if (ec) return End();  // idle, reset, or a malformed request: drop the connection
    Touch();
    const auto& req = parser_->get();
    request_.method = req.method_string();
    request_.target = req.target();
    request_.headers.clear();
    for (const auto& field : req) request_.headers.emplace_back(field.name_string(), field.value());
    request_.certificate = &certificate_;
    if (std::optional<HttpResponse> response = SafeHandle(false)) {
      return Send(std::move(*response));
    }
    net::post(shared_.blocking_pool, [self = shared_from_this()] {
      HttpResponse response = *self->SafeHandle(true);
      net::post(self->stream_.get_executor(),
                [self, r = std::move(response)]() mutable { self->Send(std::move(r)); });
    });
  }

  // The handler's answer; an exception escaping it must not take an I/O thread down with it.
  std::optional<HttpResponse> SafeHandle(bool allow_blocking) {
    try {
      return shared_.handler.Handle(request_, allow_blocking);
    } catch (const std::exception& e) {
      log::Error("request handler failed", {{"error", e.what()}});
      return StatusResponse(500, "InternalError",
                            "Internal error occurred: request handler failed");
    }
  }

  void Send(HttpResponse response) {
    const auto& req = parser_->get();
    response_ = {};
    response_.version(11);
    response_.result(static_cast<unsigned>(response.status));
    response_.set(http::field::content_type, response.content_type);
    response_.set("X-Content-Type-Options", "nosniff");
    for (auto& [k, v] : response.headers) response_.set(k, v);
    response_.keep_alive(req.keep_alive());
    response_.body() = std::move(response.body);
    response_.prepare_payload();
    if (req.method() == http::verb::head) response_.body().clear();
    http::async_write(
        stream_, response_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnWrite(ec); });
  }

  void OnWrite(beast::error_code ec) {
    if (ec) return End();
    Touch();
    if (!response_.keep_alive()) return DoClose();
    DoRead();
  }

  void DoClose() {
    End();
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {});
  }

  beast::ssl_stream<beast::tcp_stream> stream_;
  Shared& shared_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  HttpRequest request_;
  ClientCertificate certificate_;
  net::steady_timer idle_timer_;
  std::chrono::steady_clock::time_point last_activity_;
};

void ConfigureTls(ssl::context& ctx, const TlsServerOptions& options) {
  SSL_CTX* native = ctx.native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                  ssl::context::single_dh_use);
  // TLS 1.2 suites with forward secrecy and AEAD only (TLS 1.3 suites are all of that kind).
  SSL_CTX_set_cipher_list(native, "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL:!MD5:!SHA1");
  // Resumed sessions would skip the client certificate we derive identities from.
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(native, SSL_OP_NO_TICKET);
  SSL_CTX_set_num_tickets(native, 0);
  // Ask for a client certificate, accept any: CertificateVerifier decides what it proves.
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
  options.certificate->Attach(native);
}

}  // namespace

struct TlsServer::Impl {
  Impl(TlsServerOptions opts, const CertificateVerifier& verifier, ApiHandler& handler)
      : options(std::move(opts)),
        io_threads(options.io_threads > 0 ? options.io_threads
                                          : std::max(1u, std::thread::hardware_concurrency())),
        ioc(io_threads),
        ssl_ctx(ssl::context::tls_server),
        acceptor(ioc),
        blocking_pool(std::max(1, options.blocking_threads)),
        shared{options, verifier, handler, blocking_pool} {}

  void Accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted) return;
      if (!ec) {
        socket.set_option(tcp::no_delay(true), ec);
        std::make_shared<Session>(std::move(socket), ssl_ctx, shared)->Run();
      }
      Accept();
    });
  }

  TlsServerOptions options;
  int io_threads;
  net::io_context ioc;
  ssl::context ssl_ctx;
  tcp::acceptor acceptor;
  net::thread_pool blocking_pool;
  Shared shared;
  std::vector<std::thread> threads;
  bool started = false;
  bool stopped = false;
};

TlsServer::TlsServer(TlsServerOptions options, const CertificateVerifier& verifier,
                     ApiHandler& handler)
    : impl_(std::make_unique<Impl>(std::move(options), verifier, handler)) {}

TlsServer::~TlsServer() { Stop(); }

void TlsServer::Start() {
  Impl& s = *impl_;
  if (!s.options.certificate)
    s.options.certificate =
        std::make_shared<ServingCertReloader>(s.options.cert_file, s.options.key_file);
  ConfigureTls(s.ssl_ctx, s.options);
  beast::error_code ec;
  const auto address = net::ip::make_address(s.options.bind_address, ec);
  if (ec) throw std::runtime_error("invalid --bind-address " + s.options.bind_address);
  const tcp::endpoint endpoint(address, s.options.port);
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + s.options.bind_address + ":" +
                             std::to_string(s.options.port) + ": " + ec.message());
  }
  s.Accept();
  for (int i = 0; i < s.io_threads; ++i) s.threads.emplace_back([&s] { s.ioc.run(); });
  s.started = true;
}

void TlsServer::Stop() {
  Impl& s = *impl_;
  if (!s.started || s.stopped) return;
  s.stopped = true;
  net::post(s.ioc, [&s] {
    beast::error_code ec;
    s.acceptor.close(ec);
  });
  s.ioc.stop();
  for (std::thread& t : s.threads) t.join();
  s.blocking_pool.join();
}

uint16_t TlsServer::port() const { return impl_->acceptor.local_endpoint().port(); }

}  // namespace prescale::apiserver
