#include "tests/support/tls_http_server.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <strings.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace prescale::testsupport {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

std::vector<std::string> NameEntries(X509_NAME* name, int nid) {
  std::vector<std::string> values;
  for (int i = X509_NAME_get_index_by_NID(name, nid, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(name, nid, i)) {
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    unsigned char* utf8 = nullptr;
    int len = ASN1_STRING_to_UTF8(&utf8, data);
    if (len >= 0) values.emplace_back(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
    OPENSSL_free(utf8);
  }
  return values;
}

PeerCertificate ReadPeer(SSL* ssl) {
  PeerCertificate peer;
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return peer;
  if (SSL_get_verify_result(ssl) == X509_V_OK) {
    X509_NAME* subject = X509_get_subject_name(cert);
    std::vector<std::string> cn = NameEntries(subject, NID_commonName);
    peer.present = true;
    peer.common_name = cn.empty() ? "" : cn.front();
    peer.organizations = NameEntries(subject, NID_organizationName);
  }
  X509_free(cert);
  return peer;
}

}  // namespace

std::string ServerRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() && strncasecmp(key.c_str(), name.data(), name.size()) == 0) {
      return value;
    }
  }
  return "";
}

class TlsHttpServer::Impl {
 public:
  Impl(TlsHttpServerOptions options, Handler handler)
      : options_(std::move(options)), handler_(std::move(handler)) {}

  void Start() {
    SetUpTls();
    Listen(0);
    thread_ = std::thread([this] { io_.run(); });
  }

  void Stop() {
    RunOnIoThread([this] { GoDown(); });
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  int port() const { return port_; }
  std::chrono::milliseconds delay() const { return delay_.load(); }
  void set_delay(std::chrono::milliseconds d) { delay_ = d; }
  bool down() const { return down_.load(); }
  ssl::context& tls() { return tls_; }
  ServerResponse Handle(const ServerRequest& request) { return handler_(request); }

  void SetDown(bool down) {
    std::exception_ptr error;
    RunOnIoThread([&] {
      try {
        if (down) {
          GoDown();
        } else if (down_) {
          Listen(port_);
        }
      } catch (...) {
        error = std::current_exception();
      }
    });
    if (error) std::rethrow_exception(error);
  }

  void Track(std::weak_ptr<beast::ssl_stream<beast::tcp_stream>> stream) {
    std::erase_if(streams_, [](const auto& weak) { return weak.expired(); });
    streams_.push_back(std::move(stream));
  }

 private:
  // Runs `fn` on the I/O thread and waits for it (the thread owns acceptor and sockets).
  template <typename Fn>
  void RunOnIoThread(Fn fn) {
    if (!thread_.joinable()) {
      fn();
      return;
    }
    std::promise<void> done;
    net::post(io_, [&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }

  void SetUpTls() {
    SSL_CTX* ctx = tls_.native_handle();
    SSL_CTX_set_min_proto_version(
        ctx, options_.min_tls_version != 0 ? options_.min_tls_version : TLS1_2_VERSION);
    tls_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3);
    if (!options_.cipher_list.empty() &&
        SSL_CTX_set_cipher_list(ctx, options_.cipher_list.c_str()) != 1) {
      throw std::runtime_error("bad cipher list: " + options_.cipher_list);
    }
    tls_.use_certificate_chain_file(options_.cert_file);
    tls_.use_private_key_file(options_.key_file, ssl::context::pem);
    if (!options_.client_ca_file.empty()) {
      tls_.load_verify_file(options_.client_ca_file);
      // Request, verify if given; require only when asked to.
      tls_.set_verify_mode(options_.require_client_certificate
                               ? ssl::verify_peer | ssl::verify_fail_if_no_peer_cert
                               : ssl::verify_peer);
    }
  }

  void Listen(int port) {
    tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port));
    acceptor_ = std::make_unique<tcp::acceptor>(io_);
    beast::error_code ec;
    acceptor_->open(endpoint.protocol(), ec);
    if (!ec) acceptor_->set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_->bind(endpoint, ec);
    if (!ec) acceptor_->listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      acceptor_.reset();
      throw std::runtime_error("listen on 127.0.0.1:" + std::to_string(port) + ": " + ec.message());
    }
    port_ = acceptor_->local_endpoint().port();
    down_ = false;
    Accept();
  }

  void GoDown() {
    down_ = true;
    if (acceptor_) {
      beast::error_code ignored;
      acceptor_->close(ignored);
      acceptor_.reset();
    }
    for (auto& weak : streams_) {
      if (auto stream = weak.lock()) {
        beast::error_code ignored;
        beast::get_lowest_layer(*stream).socket().close(ignored);
      }
    }
    streams_.clear();
  }

  void Accept();
  class Session;

  TlsHttpServerOptions options_;
  Handler handler_;
  // Declared before io_: sessions still queued in io_ at destruction hold SSL objects of it.
  ssl::context tls_{ssl::context::tls_server};
  net::io_context io_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_{io_.get_executor()};
  std::unique_ptr<tcp::acceptor> acceptor_;
  std::vector<std::weak_ptr<beast::ssl_stream<beast::tcp_stream>>> streams_;
  std::thread thread_;
  std::atomic<int> port_{0};
  std::atomic<bool> down_{false};
  std::atomic<std::chrono::milliseconds> delay_{std::chrono::milliseconds(0)};
};

// One connection: handshake, then request/response until the peer or the server closes it.
class TlsHttpServer::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  using Stream = beast::ssl_stream<beast::tcp_stream>;

  Session(tcp::socket socket, TlsHttpServer::Impl* server)
      : stream_(std::make_shared<Stream>(std::move(socket), server->tls())),
        timer_(stream_->get_executor()),
        server_(server) {}

  std::weak_ptr<Stream> stream() const { return stream_; }

  void Run() {
    beast::get_lowest_layer(*stream_).expires_after(std::chrono::seconds(10));
    stream_->async_handshake(ssl::stream_base::server,
                             [self = shared_from_this()](beast::error_code ec) {
                               if (ec) return;
                               self->peer_ = ReadPeer(self->stream_->native_handle());
                               self->Read();
                             });
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(1 << 20);
    beast::get_lowest_layer(*stream_).expires_after(std::chrono::seconds(60));
    http::async_read(*stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->Close();
                       self->Respond();
                     });
  }

  void Respond() {
    http::request<http::string_body> request = parser_->release();
    ServerRequest in;
    in.method = std::string(request.method_string());
    in.target = std::string(request.target());
    for (const auto& field : request) {
      in.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    in.body = std::move(request.body());
    in.peer = peer_;
    ServerResponse out;
    try {
      out = server_->Handle(in);
    } catch (const std::exception& e) {
      out = ServerResponse{500, {{"Content-Type", "text/plain"}}, e.what()};
    }
    response_ = {};
    response_.version(11);
    response_.result(static_cast<unsigned>(out.status));
    for (const auto& [name, value] : out.headers) response_.insert(name, value);
    response_.body() = std::move(out.body);
    response_.keep_alive(request.keep_alive());
    response_.prepare_payload();

    std::chrono::milliseconds delay = server_->delay();
    if (delay.count() <= 0) return Write();
    timer_.expires_after(delay);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->Close();
      self->Write();
    });
  }

  void Write() {
    beast::get_lowest_layer(*stream_).expires_after(std::chrono::seconds(30));
    http::async_write(*stream_, response_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (ec || !self->response_.keep_alive()) return self->Close();
                        self->Read();
                      });
  }

  void Close() {
    beast::error_code ignored;
    beast::get_lowest_layer(*stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(*stream_).close();
  }

  std::shared_ptr<Stream> stream_;
  net::steady_timer timer_;
  TlsHttpServer::Impl* server_;
  PeerCertificate peer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
};

void TlsHttpServer::Impl::Accept() {
  acceptor_->async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec) return;  // closed by GoDown, or shutting down
    auto session = std::make_shared<Session>(std::move(socket), this);
    Track(session->stream());
    session->Run();
    if (acceptor_) Accept();
  });
}

TlsHttpServer::TlsHttpServer(TlsHttpServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {
  impl_->Start();
}

TlsHttpServer::~TlsHttpServer() { impl_->Stop(); }

int TlsHttpServer::port() const { return impl_->port(); }
void TlsHttpServer::SetDelay(std::chrono::milliseconds delay) { impl_->set_delay(delay); }
void TlsHttpServer::SetDown(bool down) { impl_->SetDown(down); }
bool TlsHttpServer::down() const { return impl_->down(); }

}  // namespace prescale::testsupport
