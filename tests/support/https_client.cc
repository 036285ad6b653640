#include "tests/support/https_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <strings.h>
#include <algorithm>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>

namespace prescale::testsupport {

namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

namespace {

std::string DrainOpenSslErrors() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    if (!text.empty()) text += "; ";
    text += buffer;
  }
  return text;
}

bool HasHeader(const HeaderList& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(), [&](const auto& h) {
    return h.first.size() == name.size() &&
           strncasecmp(h.first.c_str(), name.data(), name.size()) == 0;
  });
}

void SetSocketTimeout(int fd, Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
  if (left.count() < 1000) left = std::chrono::microseconds(1000);
  timeval tv{static_cast<time_t>(left.count() / 1000000),
             static_cast<suseconds_t>(left.count() % 1000000)};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// Connects with a deadline; returns the fd (blocking mode) or -1 with *error set.
int ConnectTcp(const std::string& host, int port, Clock::time_point deadline, std::string* error) {
  sockaddr_storage storage{};
  socklen_t size = 0;
  if (auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
      inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    size = sizeof *v4;
  } else if (auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
             inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    size = sizeof *v6;
  } else {
    *error = "connect: not an IP address: " + host;
    return -1;
  }
  int fd = socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    *error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  int rc = connect(fd, reinterpret_cast<sockaddr*>(&storage), size);
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd pfd{fd, POLLOUT, 0};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    rc = poll(&pfd, 1, static_cast<int>(std::max<long>(0, left.count())));
    if (rc == 0) {
      close(fd);
      *error = "connect: timeout";
      return -1;
    }
    int so_error = 0;
    socklen_t len = sizeof so_error;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
    errno = so_error;
    rc = so_error == 0 ? 0 : -1;
  }
  if (rc != 0) {
    *error = std::string("connect: ") + std::strerror(errno);
    close(fd);
    return -1;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

std::string SerializeRequest(const HttpsClientOptions& options, const HttpsRequest& request) {
  std::string text = request.method + " " + request.target + " HTTP/1.1\r\n";
  if (!HasHeader(request.headers, "Host")) {
    text += "Host: " + options.server_name + ":" + std::to_string(options.port) + "\r\n";
  }
  if (!HasHeader(request.headers, "User-Agent")) text += "User-Agent: prescale-test-client\r\n";
  if (!HasHeader(request.headers, "Content-Length") &&
      (!request.body.empty() || request.method == "POST" || request.method == "PUT")) {
    text += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  }
  for (const auto& [name, value] : request.headers) text += name + ": " + value + "\r\n";
  text += "\r\n";
  text += request.body;
  return text;
}

}  // namespace

std::string HttpsResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() && strncasecmp(key.c_str(), name.data(), name.size()) == 0) {
      return value;
    }
  }
  return "";
}

nlohmann::json HttpsResponse::Json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

struct HttpsConnection::Impl {
  HttpsClientOptions options;
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  int fd = -1;
  std::string error;

  ~Impl() { Close(); }

  void Close() {
    if (ssl != nullptr) SSL_free(ssl);
    if (ctx != nullptr) SSL_CTX_free(ctx);
    if (fd >= 0) close(fd);
    ssl = nullptr;
    ctx = nullptr;
    fd = -1;
  }

  bool Fail(std::string message) {
    std::string details = DrainOpenSslErrors();
    error = details.empty() ? std::move(message) : message + ": " + details;
    Close();
    return false;
  }

  bool SetUpContext() {
    ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == nullptr) return Fail("SSL_CTX_new");
    // Explicit bounds override the system-wide openssl.cnf (which sets MinProtocol TLSv1.2).
    if (options.min_tls_version != 0 &&
        !SSL_CTX_set_min_proto_version(ctx, options.min_tls_version))
      return Fail("setup: min TLS version");
    if (options.max_tls_version != 0 &&
        !SSL_CTX_set_max_proto_version(ctx, options.max_tls_version))
      return Fail("setup: max TLS version");
    if (!options.cipher_list.empty() && !SSL_CTX_set_cipher_list(ctx, options.cipher_list.c_str()))
      return Fail("setup: cipher list");
    if (!options.tls13_ciphersuites.empty() &&
        !SSL_CTX_set_ciphersuites(ctx, options.tls13_ciphersuites.c_str()))
      return Fail("setup: TLS 1.3 ciphersuites");
    if (!options.ca_file.empty()) {
      if (!SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr))
        return Fail("setup: CA file " + options.ca_file);
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    } else {
      SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    }
    if (!options.client_cert_file.empty()) {
      if (!SSL_CTX_use_certificate_chain_file(ctx, options.client_cert_file.c_str()))
        return Fail("setup: client certificate " + options.client_cert_file);
      if (!SSL_CTX_use_PrivateKey_file(ctx, options.client_key_file.c_str(), SSL_FILETYPE_PEM))
        return Fail("setup: client key " + options.client_key_file);
    }
    return true;
  }

  bool Connect() {
    // A server closing first must not kill the test with SIGPIPE from SSL_write.
    static std::once_flag ignore_sigpipe;
    std::call_once(ignore_sigpipe, [] { std::signal(SIGPIPE, SIG_IGN); });
    auto deadline = Clock::now() + options.timeout;
    if (!SetUpContext()) return false;
    fd = ConnectTcp(options.host, options.port, deadline, &error);
    if (fd < 0) return Fail(error);
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (!options.server_name.empty()) {
      SSL_set_tlsext_host_name(ssl, options.server_name.c_str());
      if (!options.ca_file.empty()) {
        SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        unsigned char ip[4];
        if (inet_pton(AF_INET, options.server_name.c_str(), ip) == 1) {
          X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), options.server_name.c_str());
        } else {
          SSL_set1_host(ssl, options.server_name.c_str());
        }
      }
    }
    SetSocketTimeout(fd, deadline);
    ERR_clear_error();
    int rc = SSL_connect(ssl);
    if (rc != 1) {
      int code = SSL_get_error(ssl, rc);
      std::string why = "handshake: ";
      if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE) {
        why += "timeout";
      } else if (long verify = SSL_get_verify_result(ssl); verify != X509_V_OK) {
        why += std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
      } else if (code == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
        why += errno != 0 ? std::strerror(errno) : "connection closed by peer";
      } else {
        why += "failed";
      }
      return Fail(why);
    }
    return true;
  }

  bool WriteAll(const std::string& data, Clock::time_point deadline) {
    size_t done = 0;
    while (done < data.size()) {
      SetSocketTimeout(fd, deadline);
      int n = SSL_write(ssl, data.data() + done, static_cast<int>(data.size() - done));
      if (n <= 0) return Fail("write: " + DescribeIoError(n));
      done += static_cast<size_t>(n);
    }
    return true;
  }

  std::string DescribeIoError(int rc) {
    int code = SSL_get_error(ssl, rc);
    if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE) return "timeout";
    if (code == SSL_ERROR_ZERO_RETURN) return "connection closed";
    if (code == SSL_ERROR_SYSCALL) return errno != 0 ? std::strerror(errno) : "connection closed";
    return "TLS error";
  }

  HttpsResult Send(const HttpsRequest& request) {
    HttpsResult result;
    if (ssl == nullptr) {
      result.error = error.empty() ? "not connected" : error;
      return result;
    }
    if (!WriteAll(SerializeRequest(options, request), Clock::now() + options.timeout)) {
      result.error = error;
      return result;
    }
    return Receive(request.method == "HEAD");
  }

  bool SendRaw(std::string_view bytes) {
    if (ssl == nullptr) return false;
    return WriteAll(std::string(bytes), Clock::now() + options.timeout);
  }

  HttpsResult Receive(bool head) {
    HttpsResult result;
    if (ssl == nullptr) {
      result.error = error.empty() ? "not connected" : error;
      return result;
    }
    auto deadline = Clock::now() + options.timeout;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    if (head) parser.skip(true);
    if (!ReadResponse(parser, deadline)) {
      result.error = error;
      return result;
    }
    HttpsResponse response;
    const auto& message = parser.get();
    response.status = static_cast<int>(message.result_int());
    for (const auto& field : message) {
      response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    response.body = message.body();
    if (!message.keep_alive()) Close();
    result.response = std::move(response);
    return result;
  }

  bool ReadResponse(http::response_parser<http::string_body>& parser, Clock::time_point deadline) {
    boost::beast::flat_buffer buffer;
    while (!parser.is_done()) {
      if (buffer.size() > 0) {
        boost::beast::error_code ec;
        size_t used = parser.put(buffer.data(), ec);
        buffer.consume(used);
        if (ec && ec != http::error::need_more) return Fail("bad response: " + ec.message());
        if (parser.is_done()) break;
        if (used > 0 && buffer.size() > 0) continue;
      }
      SetSocketTimeout(fd, deadline);
      auto space = buffer.prepare(16 * 1024);
      int n = SSL_read(ssl, space.data(), static_cast<int>(space.size()));
      if (n > 0) {
        buffer.commit(static_cast<size_t>(n));
        continue;
      }
      std::string why = DescribeIoError(n);
      if (why == "connection closed" && parser.got_some()) {
        boost::beast::error_code ec;
        parser.put_eof(ec);
        if (!ec) return true;
      }
      return Fail(why == "timeout" ? "timeout reading response" : "read: " + why);
    }
    return true;
  }
};

HttpsConnection::HttpsConnection(HttpsClientOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->Connect();
}

HttpsConnection::~HttpsConnection() = default;

bool HttpsConnection::connected() const { return impl_->ssl != nullptr; }
const std::string& HttpsConnection::error() const { return impl_->error; }

std::string HttpsConnection::protocol() const {
  return impl_->ssl != nullptr ? SSL_get_version(impl_->ssl) : "";
}

std::string HttpsConnection::cipher() const {
  return impl_->ssl != nullptr ? SSL_get_cipher_name(impl_->ssl) : "";
}

std::string HttpsConnection::peer_subject() const {
  if (impl_->ssl == nullptr) return "";
  X509* cert = SSL_get1_peer_certificate(impl_->ssl);
  if (cert == nullptr) return "";
  char* line = X509_NAME_oneline(X509_get_subject_name(cert), nullptr, 0);
  std::string subject = line != nullptr ? line : "";
  OPENSSL_free(line);
  X509_free(cert);
  return subject;
}

HttpsResult HttpsConnection::Send(const HttpsRequest& request) { return impl_->Send(request); }

bool HttpsConnection::SendRaw(std::string_view bytes) { return impl_->SendRaw(bytes); }

HttpsResult HttpsConnection::ReadResponse() { return impl_->Receive(false); }

void HttpsConnection::set_timeout(std::chrono::milliseconds timeout) {
  impl_->options.timeout = timeout;
}

HttpsResult HttpsSend(const HttpsClientOptions& options, const HttpsRequest& request) {
  HttpsConnection connection(options);
  if (!connection.connected()) return HttpsResult{std::nullopt, connection.error()};
  return connection.Send(request);
}

HttpsResult HttpsGet(const HttpsClientOptions& options, const std::string& target,
                     HeaderList headers) {
  HttpsRequest request;
  request.target = target;
  request.headers = std::move(headers);
  return HttpsSend(options, request);
}

HttpsResult HttpsPostJson(const HttpsClientOptions& options, const std::string& target,
                          const nlohmann::json& body, HeaderList headers) {
  HttpsRequest request;
  request.method = "POST";
  request.target = target;
  request.headers = std::move(headers);
  if (!HasHeader(request.headers, "Content-Type")) {
    request.headers.emplace_back("Content-Type", "application/json");
  }
  request.body = body.dump();
  return HttpsSend(options, request);
}

}  // namespace prescale::testsupport
