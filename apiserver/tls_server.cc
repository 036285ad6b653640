#include "apiserver/tls_server.h"

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <cerrno>

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>
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

using Clock = std::chrono::steady_clock;

// How often a connection's watchdog looks at it: the precision of every timeout below.
constexpr auto kWatchTick = std::chrono::seconds(2);

// What every connection shares; owned by TlsServer::Impl.
struct Shared {
  const TlsServerOptions& options;
  const CertificateVerifier& verifier;
  ApiHandler& handler;
  net::thread_pool& blocking_pool;
  SecurityMetrics* security;
  std::atomic<int> connections{0};
  std::atomic<int> pending_reviews{0};

  void LimitHit(Limit kind) {
    if (security) security->LimitHit(kind);
  }
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, ssl::context& ctx, Shared& shared)
      : stream_(std::move(socket), ctx),
        shared_(shared),
        watch_timer_(stream_.get_executor()),
        opened_(Clock::now()) {
    shared_.connections.fetch_add(1, std::memory_order_relaxed);
  }
  ~Session() { shared_.connections.fetch_sub(1, std::memory_order_relaxed); }

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
    // From here on the watchdog bounds the connection, not a timer per operation.
    beast::get_lowest_layer(stream_).expires_never();
    last_activity_ = Clock::now();
    Watch();
    DoRead();
  }

  // Arming Beast's per-operation timeout on every read and write cost about 8 % of throughput
  // under keep-alive load. Instead one timer per connection looks at it every kWatchTick: a
  // connection idle between requests for idle_timeout, or whose request has been arriving for
  // request_timeout (slowloris), is closed.
  void Watch() {
    watch_timer_.expires_after(kWatchTick);
    watch_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;  // cancelled: the session ended
      if (self->Expired(Clock::now())) {
        self->closed_.store(true);
        beast::error_code ignored;
        beast::get_lowest_layer(self->stream_).socket().close(ignored);
        return;
      }
      self->Watch();
    });
  }

  bool Expired(Clock::time_point now) {
    const TlsServerOptions& o = shared_.options;
    if (!reading_) return false;  // a request is being answered
    if (parser_ && parser_->got_some()) {
      if (!partial_since_) partial_since_ = now;
      if (now - *partial_since_ < o.request_timeout) return false;
      shared_.LimitHit(Limit::kRequestTimeout);
      log::Debug("request not delivered in time; connection closed",
                 {{"timeout_seconds", static_cast<int64_t>(o.request_timeout.count())}});
      return true;
    }
    return now - last_activity_ >= o.idle_timeout;
  }

  void End() {
    closed_.store(true);
    watch_timer_.cancel();
  }

  void DoRead() {
    parser_.emplace();
    parser_->header_limit(shared_.options.max_header_bytes);
    parser_->body_limit(0);  // never read: a request with a body is refused from its header
    reading_ = true;
    partial_since_.reset();
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    reading_ = false;
    if (ec == http::error::end_of_stream) return DoClose();
    if (ec == http::error::header_limit) return Refuse(HeaderTooLarge());
    if (ec == http::error::body_limit) return Refuse(BodyRefused());  // a Content-Length > 0
    if (ec && ec.category() == http::make_error_code(http::error::bad_method).category() &&
        ec != http::error::partial_message)
      return Refuse(StatusResponse(400, "BadRequest", "malformed HTTP request: " + ec.message()));
    if (ec) return End();  // timed out, reset, or closed by the watchdog
    last_activity_ = Clock::now();
    const auto& req = parser_->get();
    if (req.target().size() > shared_.options.max_target_bytes) return Refuse(TargetTooLong());
    if (parser_->chunked() || parser_->content_length().value_or(0) > 0)
      return Refuse(BodyRefused());
    request_.method = req.method_string();
    request_.target = req.target();
    request_.headers.clear();
    for (const auto& field : req) request_.headers.emplace_back(field.name_string(), field.value());
    request_.certificate = &certificate_;
    if (std::optional<HttpResponse> response = SafeHandle(false)) {
      return Send(std::move(*response));
    }
    Delegate();
  }

  // The answer needs the kube-apiserver: wait for a blocking thread, within bounds.
  void Delegate() {
    const TlsServerOptions& o = shared_.options;
    if (shared_.pending_reviews.fetch_add(1) >= o.max_pending_reviews) {
      shared_.pending_reviews.fetch_sub(1);
      shared_.LimitHit(Limit::kReviewQueue);
      HttpResponse busy = StatusResponse(
          429, "TooManyRequests", "too many requests are waiting for the kube-apiserver's reviews",
          R"({"retryAfterSeconds":1})");
      busy.headers.emplace_back("Retry-After", "1");
      return Send(std::move(busy));
    }
    net::post(shared_.blocking_pool, [self = shared_from_this(), queued = Clock::now()] {
      std::optional<HttpResponse> response;
      if (self->closed_.load()) {
        // The client is gone: no review on its behalf.
      } else if (Clock::now() - queued > self->shared_.options.review_queue_timeout) {
        self->shared_.LimitHit(Limit::kReviewQueue);
        response = StatusResponse(503, "ServiceUnavailable",
                                  "the kube-apiserver's reviews are too slow; try again");
      } else {
        response = self->SafeHandle(true);
      }
      self->shared_.pending_reviews.fetch_sub(1);
      if (!response) return;
      net::post(self->stream_.get_executor(),
                [self, r = std::move(*response)]() mutable { self->Send(std::move(r)); });
    });
  }

  HttpResponse HeaderTooLarge() {
    // The raw request stays in the buffer: no line end within the limit means the request line
    // alone is too long.
    const auto data = buffer_.data();
    const std::string_view raw(static_cast<const char*>(data.data()), data.size());
    if (raw.find("\r\n") == std::string_view::npos) return TargetTooLong();
    shared_.LimitHit(Limit::kHeaderBytes);
    return StatusResponse(431, "BadRequest",
                          "request header fields too large (limit " +
                              std::to_string(shared_.options.max_header_bytes) + " bytes)");
  }

  HttpResponse BodyRefused() {
    shared_.LimitHit(Limit::kBodyBytes);
    return StatusResponse(413, "RequestEntityTooLarge",
                          "request bodies are not accepted: this API is read-only");
  }

  HttpResponse TargetTooLong() {
    shared_.LimitHit(Limit::kUriBytes);
    return StatusResponse(414, "BadRequest",
                          "request target too long (limit " +
                              std::to_string(shared_.options.max_target_bytes) + " bytes)");
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
    const bool keep_alive =
        req.keep_alive() && Clock::now() - opened_ < shared_.options.max_connection_age;
    Write(std::move(response), keep_alive, req.method() == http::verb::head);
  }

  // An answer to a request that cannot be read on: the connection closes after it.
  void Refuse(HttpResponse response) { Write(std::move(response), false, false); }

  void Write(HttpResponse response, bool keep_alive, bool head) {
    response_ = {};
    response_.version(11);
    response_.result(static_cast<unsigned>(response.status));
    response_.set(http::field::content_type, response.content_type);
    response_.set("X-Content-Type-Options", "nosniff");
    for (auto& [k, v] : response.headers) response_.set(k, v);
    response_.keep_alive(keep_alive);
    response_.body() = std::move(response.body);
    response_.prepare_payload();
    if (head) response_.body().clear();
    http::async_write(
        stream_, response_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnWrite(ec); });
  }

  void OnWrite(beast::error_code ec) {
    if (ec) return End();
    last_activity_ = Clock::now();
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
  std::optional<http::request_parser<http::empty_body>> parser_;
  http::response<http::string_body> response_;
  HttpRequest request_;
  ClientCertificate certificate_;
  net::steady_timer watch_timer_;
  const Clock::time_point opened_;
  Clock::time_point last_activity_;
  bool reading_ = false;                            // waiting for a request (on the strand)
  std::optional<Clock::time_point> partial_since_;  // when its first bytes were seen
  std::atomic<bool> closed_{false};                 // read by the blocking pool
};

void ConfigureTls(ssl::context& ctx, const TlsServerOptions& options) {
  SSL_CTX* native = ctx.native_handle();
  SSL_CTX_set_min_proto_version(native, options.tls.min_version);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                  ssl::context::single_dh_use);
  if (SSL_CTX_set_cipher_list(native, options.tls.tls12_ciphers.c_str()) != 1 ||
      (!options.tls.tls13_ciphers.empty() &&
       SSL_CTX_set_ciphersuites(native, options.tls.tls13_ciphers.c_str()) != 1))
    throw std::runtime_error("the TLS library refuses the configured cipher suites");
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
  Impl(TlsServerOptions opts, const CertificateVerifier& verifier, ApiHandler& handler,
       SecurityMetrics* security)
      : options(std::move(opts)),
        io_threads(options.io_threads > 0 ? options.io_threads
                                          : std::max(1u, std::thread::hardware_concurrency())),
        ioc(io_threads),
        ssl_ctx(ssl::context::tls_server),
        acceptor(ioc),
        accept_backoff(ioc),
        blocking_pool(std::max(1, options.blocking_threads)),
        shared{options, verifier, handler, blocking_pool, security} {}

  void Accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted) return;
      if (ec) return BackOff(ec);
      if (shared.connections.load(std::memory_order_relaxed) >= options.max_connections) {
        shared.LimitHit(Limit::kConnections);
        socket.close(ec);
      } else {
        socket.set_option(tcp::no_delay(true), ec);
        std::make_shared<Session>(std::move(socket), ssl_ctx, shared)->Run();
      }
      Accept();
    });
  }

  // accept() failing (e.g. EMFILE) leaves the connection in the backlog: retrying at once would
  // spin an I/O thread at 100 %.
  void BackOff(beast::error_code ec) {
    shared.LimitHit(Limit::kAcceptError);
    const auto now = Clock::now();
    if (now - last_accept_warning > std::chrono::seconds(10)) {
      last_accept_warning = now;
      log::Warn("accepting a connection failed; retrying in 100 ms", {{"error", ec.message()}});
    }
    accept_backoff.expires_after(std::chrono::milliseconds(100));
    accept_backoff.async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec) Accept();
    });
  }

  TlsServerOptions options;
  int io_threads;
  net::io_context ioc;
  ssl::context ssl_ctx;
  tcp::acceptor acceptor;
  net::steady_timer accept_backoff;
  Clock::time_point last_accept_warning{};
  net::thread_pool blocking_pool;
  Shared shared;
  std::vector<std::thread> threads;
  bool started = false;
  bool stopped = false;
};

TlsServer::TlsServer(TlsServerOptions options, const CertificateVerifier& verifier,
                     ApiHandler& handler, SecurityMetrics* security)
    : impl_(std::make_unique<Impl>(std::move(options), verifier, handler, security)) {}

TlsServer::~TlsServer() { Stop(); }

void TlsServer::Start() {
  Impl& s = *impl_;
  if (!s.options.certificate)
    s.options.certificate =
        std::make_shared<ServingCertReloader>(s.options.cert_file, s.options.key_file);
  ConfigureTls(s.ssl_ctx, s.options);
  beast::error_code ec;
  auto address = net::ip::make_address(s.options.bind_address, ec);
  if (ec) throw std::runtime_error("invalid --bind-address " + s.options.bind_address);
  const bool wildcard = address.is_unspecified();
  if (wildcard) address = net::ip::address_v6::any();  // both families, like Go's listeners
  tcp::endpoint endpoint(address, s.options.port);
  s.acceptor.open(endpoint.protocol(), ec);
  if (ec && wildcard) {  // no IPv6 on this host: IPv4 only
    endpoint = tcp::endpoint(net::ip::address_v4::any(), s.options.port);
    ec = {};
    s.acceptor.open(endpoint.protocol(), ec);
  }
  if (!ec && wildcard && endpoint.address().is_v6())
    s.acceptor.set_option(net::ip::v6_only(false), ec);
  // SO_REUSEADDR always, as Go's listeners (and so Kubernetes components) set it: a restart
  // does not wait for connections in TIME_WAIT.
  if (!ec) s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec && s.options.permit_port_sharing) {
    const int one = 1;
    if (::setsockopt(s.acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
      ec = beast::error_code(errno, boost::system::system_category());
  }
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
