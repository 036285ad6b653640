// The floor of this stack on this machine: a Boost.Beast HTTPS server with the same TLS settings
// and threading as prescale's, answering every request with a constant body. bench/http/run
// loads it next to prescale so the two are measured in one run.
//
// usage: bare_tls_server PORT CERT KEY BODY_FILE [THREADS]
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <vector>

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& s, ssl::context& ctx, const std::string& body)
      : stream_(std::move(s), ctx), body_(body) {}

  void Run() {
    stream_.async_handshake(ssl::stream_base::server,
                            [self = shared_from_this()](beast::error_code ec) {
                              if (!ec) self->Read();
                            });
  }

 private:
  void Read() {
    request_ = {};
    http::async_read(
        stream_, buffer_, request_, [self = shared_from_this()](beast::error_code ec, size_t) {
          if (ec) return;
          self->response_ = {};
          self->response_.version(11);
          self->response_.result(http::status::ok);
          self->response_.set(http::field::content_type, "application/json");
          self->response_.keep_alive(self->request_.keep_alive());
          self->response_.body() = self->body_;
          self->response_.prepare_payload();
          http::async_write(self->stream_, self->response_, [self](beast::error_code ec, size_t) {
            if (!ec && self->response_.keep_alive()) self->Read();
          });
        });
  }

  beast::ssl_stream<beast::tcp_stream> stream_;
  const std::string& body_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
};

void Accept(tcp::acceptor& acceptor, net::io_context& ioc, ssl::context& ctx,
            const std::string& body) {
  acceptor.async_accept(net::make_strand(ioc), [&](beast::error_code ec, tcp::socket socket) {
    if (!ec) {
      socket.set_option(tcp::no_delay(true));
      std::make_shared<Session>(std::move(socket), ctx, body)->Run();
    }
    Accept(acceptor, ioc, ctx, body);
  });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::cerr << "usage: bare_tls_server PORT CERT KEY BODY_FILE [THREADS]\n";
    return 2;
  }
  std::ifstream in(argv[4]);
  std::stringstream text;
  text << in.rdbuf();
  const std::string body = text.str();
  const int threads =
      argc > 5 ? std::atoi(argv[5]) : static_cast<int>(std::thread::hardware_concurrency());
  net::io_context ioc(threads);
  ssl::context ctx(ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  SSL_CTX_set_cipher_list(ctx.native_handle(),
                          "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL:!MD5:!SHA1");
  ctx.use_certificate_chain_file(argv[2]);
  ctx.use_private_key_file(argv[3], ssl::context::pem);
  tcp::acceptor acceptor(
      ioc, {net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(std::atoi(argv[1]))});
  Accept(acceptor, ioc, ctx, body);
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&] { ioc.run(); });
  ioc.run();
}
