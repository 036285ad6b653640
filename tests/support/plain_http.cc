#include "tests/support/plain_http.h"

#include <sys/socket.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <list>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

namespace prescale::testsupport {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

class PlainHttpServer::Impl {
 public:
  Impl(Handler handler, int port) : handler_(std::move(handler)), acceptor_(io_) {
    boost::system::error_code ec;
    tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port));
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      throw std::runtime_error("listen 127.0.0.1:" + std::to_string(port) + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }

  ~Impl() {
    stopping_ = true;
    // On Linux, shutting a listening socket down wakes a blocked accept() with EINVAL.
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    accept_thread_.join();
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    {
      std::lock_guard lock(mu_);
      for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& connection : connections_) connection.thread.join();
  }

  int port() const { return port_; }

 private:
  struct Connection {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };

  void AcceptLoop() {
    while (!stopping_) {
      tcp::socket socket(io_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (stopping_) return;
      if (ec) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      // Reap finished connection threads so a long test does not accumulate them.
      for (auto it = connections_.begin(); it != connections_.end();) {
        if (it->done->load()) {
          it->thread.join();
          it = connections_.erase(it);
        } else {
          ++it;
        }
      }
      {
        std::lock_guard lock(mu_);
        open_fds_.insert(socket.native_handle());
      }
      auto done = std::make_shared<std::atomic<bool>>(false);
      connections_.push_back({std::thread([this, done, s = std::move(socket)]() mutable {
                                Serve(std::move(s));
                                done->store(true);
                              }),
                              done});
    }
  }

  void Serve(tcp::socket socket) {
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    while (!stopping_) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(64 * 1024 * 1024);
      http::read(socket, buffer, parser, ec);
      if (ec) break;
      const auto& req = parser.get();
      ServerRequest request;
      request.method = std::string(req.method_string());
      request.target = std::string(req.target());
      for (const auto& field : req) {
        request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
      }
      request.body = req.body();
      ServerResponse answer;
      try {
        answer = handler_(request);
      } catch (const std::exception& e) {
        answer = ServerResponse{500, {}, std::string("handler threw: ") + e.what()};
      }
      if (stopping_) break;
      http::response<http::string_body> res{static_cast<http::status>(answer.status),
                                            req.version()};
      bool has_type = false;
      for (const auto& [name, value] : answer.headers) {
        res.insert(name, value);
        if (beast::iequals(name, "Content-Type")) has_type = true;
      }
      if (!has_type) res.set(http::field::content_type, "text/plain; charset=utf-8");
      res.body() = std::move(answer.body);
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      http::write(socket, res, ec);
      if (ec || !res.keep_alive()) break;
    }
    {
      std::lock_guard lock(mu_);
      open_fds_.erase(socket.native_handle());
    }
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
  }

  Handler handler_;
  net::io_context io_;
  tcp::acceptor acceptor_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread accept_thread_;
  std::list<Connection> connections_;  // accept thread only (then the destructor)
  std::mutex mu_;
  std::set<int> open_fds_;  // guarded by mu_
};

PlainHttpServer::PlainHttpServer(Handler handler, int port)
    : impl_(std::make_unique<Impl>(std::move(handler), port)) {}
PlainHttpServer::~PlainHttpServer() = default;
int PlainHttpServer::port() const { return impl_->port(); }
std::string PlainHttpServer::url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port());
}

HttpsResult PlainHttpSend(const std::string& host, int port, const HttpsRequest& request,
                          std::chrono::milliseconds timeout) {
  net::io_context io;
  beast::tcp_stream stream(io);
  HttpsResult result;
  boost::system::error_code ec;
  tcp::endpoint endpoint(net::ip::make_address(host, ec), static_cast<uint16_t>(port));
  if (ec) {
    result.error = "bad address " + host + ": " + ec.message();
    return result;
  }
  http::request<http::string_body> req{http::string_to_verb(request.method), request.target, 11};
  bool has_host = false, has_type = false;
  for (const auto& [name, value] : request.headers) {
    req.insert(name, value);
    if (beast::iequals(name, "Host")) has_host = true;
    if (beast::iequals(name, "Content-Type")) has_type = true;
  }
  if (!has_host) req.set(http::field::host, host + ":" + std::to_string(port));
  if (!has_type && !request.body.empty()) {
    req.set(http::field::content_type, "application/x-www-form-urlencoded");
  }
  req.set(http::field::user_agent, "prescale-testsupport");
  req.set(http::field::connection, "close");
  req.body() = request.body;
  req.prepare_payload();

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1024ULL * 1024 * 1024);
  stream.expires_after(timeout);
  stream.async_connect(endpoint, [&](boost::system::error_code e) {
    if (e) {
      result.error = "connect: " + e.message();
      return;
    }
    http::async_write(stream, req, [&](boost::system::error_code e, size_t) {
      if (e) {
        result.error = e == beast::error::timeout ? "timeout" : "write: " + e.message();
        return;
      }
      http::async_read(stream, buffer, parser, [&](boost::system::error_code e, size_t) {
        if (e) {
          result.error = e == beast::error::timeout ? "timeout" : "read: " + e.message();
          return;
        }
        HttpsResponse response;
        response.status = static_cast<int>(parser.get().result_int());
        for (const auto& field : parser.get()) {
          response.headers.emplace_back(std::string(field.name_string()),
                                        std::string(field.value()));
        }
        response.body = std::move(parser.get().body());
        result.response = std::move(response);
      });
    });
  });
  io.run();
  if (result.error.empty() && !result.response) result.error = "no response";
  return result;
}

namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string UrlDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size() && HexDigit(text[i + 1]) >= 0 &&
               HexDigit(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexDigit(text[i + 1]) * 16 + HexDigit(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::map<std::string, std::string> ParseFormEncoded(std::string_view text) {
  std::map<std::string, std::string> params;
  while (!text.empty()) {
    size_t amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key = UrlDecode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : UrlDecode(pair.substr(eq + 1));
    params[key] = value;
  }
  return params;
}

std::string UrlEncode(std::string_view text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

ParsedTarget ParseTarget(std::string_view target) {
  ParsedTarget parsed;
  size_t q = target.find('?');
  parsed.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) parsed.params = ParseFormEncoded(target.substr(q + 1));
  return parsed;
}

}  // namespace prescale::testsupport
