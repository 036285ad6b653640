#include "adapter/prometheus_client.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <simdjson.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cmath>
#include <map>
#include <optional>

#include "adapter/prometheus_credentials.h"
#include "common/file_stamp.h"
#include "common/http_url.h"
#include "common/log.h"

namespace prescale::adapter {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

std::string FormEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3 / 2);
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string FormatSeconds(double t) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.3f", t);
  return buffer;
}

// Prometheus' error JSON carries the reason; keep a short excerpt of anything else.
std::string ErrorExcerpt(const std::string& body) {
  std::variant<std::vector<Series>, ParseError> parsed = ParseQueryResponse(body);
  if (const auto* e = std::get_if<ParseError>(&parsed)) {
    if (e->message.rfind("Prometheus answered", 0) == 0) return e->message;
  }
  std::string excerpt = body.substr(0, 200);
  for (char& c : excerpt)
    if (c == '\n' || c == '\r') c = ' ';
  return excerpt;
}

// Loads what `options` asks of a TLS client into a fresh context: the trust store, and the
// client certificate and key (checked to be a pair). Returns the problem, "" on success.
std::string LoadTls(const PrometheusClientOptions& options, ssl::context& ctx) {
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  ctx.set_verify_mode(ssl::verify_peer);
  beast::error_code ec;
  if (options.ca_file.empty())
    ctx.set_default_verify_paths(ec);
  else
    ctx.load_verify_file(options.ca_file, ec);
  if (ec) return "cannot load the Prometheus CA file " + options.ca_file + ": " + ec.message();
  if (options.client_cert_file.empty()) return "";
  ctx.use_certificate_chain_file(options.client_cert_file, ec);
  if (ec)
    return "cannot load the Prometheus client certificate " + options.client_cert_file + ": " +
           ec.message();
  // Read on its own first, so that a key that does not load and a key of another certificate
  // get different messages (OpenSSL reports both as a failure to use the key).
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(options.client_key_file.c_str(), "r"),
                                                &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr,
      &EVP_PKEY_free);
  ERR_clear_error();
  if (!key)
    return "cannot load the Prometheus client key " + options.client_key_file +
           ": not a readable, unencrypted PEM private key";
  if (SSL_CTX_use_PrivateKey(ctx.native_handle(), key.get()) != 1 ||
      SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
    ERR_clear_error();
    return "the Prometheus client certificate " + options.client_cert_file + " and key " +
           options.client_key_file + " do not match (not a pair)";
  }
  return "";
}

// Problems of the options that need no file or network: "" when none.
std::string CheckOptions(const PrometheusClientOptions& o, const HttpUrl& url) {
  if (!o.token_file.empty() && !o.basic_auth_file.empty())
    return "--prometheus-token-file and --prometheus-basic-auth-file exclude each other";
  if (std::string problem =
          CheckPrometheusHeaders(o.headers, !o.token_file.empty() || !o.basic_auth_file.empty());
      !problem.empty())
    return problem;
  if (o.client_cert_file.empty() != o.client_key_file.empty())
    return "--prometheus-client-cert-file and --prometheus-client-key-file go together";
  if (!o.client_cert_file.empty() && !url.tls)
    return "a Prometheus client certificate needs an https:// Prometheus URL";
  for (size_t start = 0; start < url.query.size();) {
    const size_t end = std::min(url.query.find('&', start), url.query.size());
    const std::string pair = url.query.substr(start, end - start);
    const std::string name = pair.substr(0, pair.find('='));
    for (const char* own : {"query", "time", "start", "end", "step"}) {
      if (name == own)
        return "the Prometheus URL's query sets \"" + name +
               "\", a parameter prescale sets itself for each query";
    }
    start = end + 1;
  }
  return "";
}

}  // namespace

class PrometheusClient::Impl {
 public:
  Impl(PrometheusClientOptions options, HttpUrl url)
      : options_(std::move(options)),
        url_(std::move(url)),
        credential_(options_.token_file, options_.basic_auth_file),
        ssl_(std::make_unique<ssl::context>(ssl::context::tls_client)) {}

  bool ConfigureTls(std::string* error) {
    if (!url_.tls) return true;
    *error = LoadTls(options_, *ssl_);
    cert_stamp_ = StampOf(options_.client_cert_file);
    key_stamp_ = StampOf(options_.client_key_file);
    return error->empty();
  }

  QueryResult Post(const std::string& api_path, const std::string& form) {
    std::string authorization;
    std::string error;
    if (!credential_.Authorization(&authorization, &error))
      return PrometheusError{PrometheusError::Reason::kToken, error, 0};
    ReloadClientCertificate();
    http::request<http::string_body> req{http::verb::post, url_.Target(api_path), 11};
    req.set(http::field::host, url_.HostHeader());
    req.set(http::field::user_agent, "prescale");
    req.set(http::field::accept, "application/json");
    req.set(http::field::content_type, "application/x-www-form-urlencoded");
    for (const auto& [name, value] : options_.headers) req.set(name, value);
    if (!authorization.empty()) req.set(http::field::authorization, authorization);
    req.body() = form;
    req.prepare_payload();

    Exchange result = RunExchange(req);
    // A kept-alive connection the server closed meanwhile fails before any answer: retry once.
    if (result.failed_before_answer && result.reused) result = RunExchange(req);
    if (result.ec == http::error::body_limit) {
      return PrometheusError{PrometheusError::Reason::kTooLarge,
                             "the answer is larger than " +
                                 std::to_string(options_.max_body_bytes) +
                                 " bytes (--prometheus-max-answer-bytes)",
                             result.status};
    }
    if (!result.error.empty()) {
      const bool timeout = result.ec == beast::error::timeout;
      return PrometheusError{
          timeout ? PrometheusError::Reason::kTimeout : PrometheusError::Reason::kConnect,
          std::string(timeout ? "timed out: " : "") + result.error, 0};
    }
    bytes_received_ += result.body.size();
    const int status = result.status;
    if (status >= 500)
      return PrometheusError{PrometheusError::Reason::kHttp5xx, ErrorExcerpt(result.body), status};
    if (status >= 400 || status < 200 || status >= 300)
      return PrometheusError{PrometheusError::Reason::kHttp4xx, ErrorExcerpt(result.body), status};
    result.body.reserve(result.body.size() + simdjson::SIMDJSON_PADDING);
    std::variant<std::vector<Series>, ParseError> parsed = ParseQueryResponse(result.body);
    if (auto* e = std::get_if<ParseError>(&parsed))
      return PrometheusError{PrometheusError::Reason::kBadResponse, e->message, status};
    return std::move(std::get<std::vector<Series>>(parsed));
  }

  uint64_t bytes_received() const { return bytes_received_; }

 private:
  struct Exchange {
    int status = 0;
    std::string body;
    std::string error;
    beast::error_code ec;
    bool reused = false;
    bool failed_before_answer = false;
  };

  // A renewed client certificate (cert-manager rotates them) is used from the next connection.
  void ReloadClientCertificate() {
    if (!url_.tls || options_.client_cert_file.empty()) return;
    const FileStamp cert = StampOf(options_.client_cert_file);
    const FileStamp key = StampOf(options_.client_key_file);
    if (cert == cert_stamp_ && key == key_stamp_) return;
    cert_stamp_ = cert;
    key_stamp_ = key;
    auto fresh = std::make_unique<ssl::context>(ssl::context::tls_client);
    const std::string problem = LoadTls(options_, *fresh);
    if (!problem.empty()) {
      // Often a moment between the two files' updates: the next change is tried again.
      log::Warn("Prometheus client certificate not reloaded; the previous pair stays in use",
                {{"error", problem}});
      return;
    }
    Disconnect();
    ssl_ = std::move(fresh);
    log::Info("Prometheus client certificate reloaded", {{"file", options_.client_cert_file}});
  }

  template <typename Stream>
  net::awaitable<void> WriteAndRead(Stream& stream, http::request<http::string_body>& req,
                                    Exchange* out) {
    out->failed_before_answer = true;
    co_await http::async_write(stream, req, net::use_awaitable);
    http::response_parser<http::string_body> parser;
    parser.body_limit(options_.max_body_bytes);
    // A Content-Length above the limit fails here already: the answer arrived, do not retry.
    beast::error_code ec;
    co_await http::async_read_header(stream, buffer_, parser,
                                     net::redirect_error(net::use_awaitable, ec));
    if (ec && ec != http::error::body_limit) throw boost::system::system_error(ec);
    out->failed_before_answer = false;
    if (parser.is_header_done()) out->status = static_cast<int>(parser.get().result_int());
    if (ec) throw boost::system::system_error(ec);
    co_await http::async_read(stream, buffer_, parser, net::use_awaitable);
    out->status = static_cast<int>(parser.get().result_int());
    keep_alive_ = parser.get().keep_alive();
    out->body = std::move(parser.get().body());
  }

  net::awaitable<void> Connect() {
    tcp::resolver resolver(ioc_);
    const auto endpoints =
        co_await resolver.async_resolve(url_.host, url_.port, net::use_awaitable);
    if (url_.tls) {
      tls_.emplace(ioc_, *ssl_);
      beast::get_lowest_layer(*tls_).expires_after(options_.timeout);
      beast::error_code ec;
      net::ip::make_address(url_.host, ec);
      if (ec) {
        SSL_set_tlsext_host_name(tls_->native_handle(), url_.host.c_str());
        tls_->set_verify_callback(ssl::host_name_verification(url_.host));
      } else {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(tls_->native_handle()), url_.host.c_str());
      }
      co_await beast::get_lowest_layer(*tls_).async_connect(endpoints, net::use_awaitable);
      co_await tls_->async_handshake(ssl::stream_base::client, net::use_awaitable);
    } else {
      plain_.emplace(ioc_);
      plain_->expires_after(options_.timeout);
      co_await plain_->async_connect(endpoints, net::use_awaitable);
    }
  }

  net::awaitable<void> Run(http::request<http::string_body>& req, Exchange* out) {
    out->reused = connected_;
    if (!connected_) {
      co_await Connect();
      connected_ = true;
    }
    if (url_.tls) {
      beast::get_lowest_layer(*tls_).expires_after(options_.timeout);
      co_await WriteAndRead(*tls_, req, out);
    } else {
      plain_->expires_after(options_.timeout);
      co_await WriteAndRead(*plain_, req, out);
    }
  }

  Exchange RunExchange(http::request<http::string_body>& req) {
    Exchange out;
    buffer_.clear();
    ioc_.restart();
    net::co_spawn(ioc_, Run(req, &out), [&](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const boost::system::system_error& ex) {
        out.ec = ex.code();
        out.error = ex.code().message();
      } catch (const std::exception& ex) {
        out.error = ex.what();
      }
    });
    ioc_.run();
    if (!out.error.empty() || !keep_alive_) Disconnect();
    return out;
  }

  void Disconnect() {
    connected_ = false;
    beast::error_code ec;
    if (tls_) beast::get_lowest_layer(*tls_).socket().close(ec);
    if (plain_) plain_->socket().close(ec);
    tls_.reset();
    plain_.reset();
  }

  PrometheusClientOptions options_;
  HttpUrl url_;
  PrometheusCredential credential_;
  std::unique_ptr<ssl::context> ssl_;  // replaced only while disconnected
  FileStamp cert_stamp_;
  FileStamp key_stamp_;
  net::io_context ioc_;
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
  beast::flat_buffer buffer_;
  bool connected_ = false;
  bool keep_alive_ = true;
  uint64_t bytes_received_ = 0;
};

std::variant<std::unique_ptr<PrometheusClient>, std::string> PrometheusClient::Create(
    PrometheusClientOptions options) {
  std::string error;
  std::optional<HttpUrl> url =
      ParseHttpUrl(options.url, "Prometheus URL",
                   "use --prometheus-token-file or --prometheus-basic-auth-file", &error);
  if (!url) return error;
  if (error = CheckOptions(options, *url); !error.empty()) return error;
  auto impl = std::make_unique<Impl>(std::move(options), std::move(*url));
  if (!impl->ConfigureTls(&error)) return error;
  return std::unique_ptr<PrometheusClient>(new PrometheusClient(std::move(impl)));
}

PrometheusClient::PrometheusClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PrometheusClient::~PrometheusClient() = default;

QueryResult PrometheusClient::QueryRange(std::string_view query, double start, double end,
                                         double step) {
  return impl_->Post("/api/v1/query_range",
                     "query=" + FormEncode(query) + "&start=" + FormatSeconds(start) +
                         "&end=" + FormatSeconds(end) + "&step=" + FormatSeconds(step));
}

QueryResult PrometheusClient::Query(std::string_view query, double time) {
  return impl_->Post("/api/v1/query",
                     "query=" + FormEncode(query) + "&time=" + FormatSeconds(time));
}

uint64_t PrometheusClient::bytes_received() const { return impl_->bytes_received(); }

const char* ReasonLabel(PrometheusError::Reason reason) {
  switch (reason) {
    case PrometheusError::Reason::kConnect:
      return "connect";
    case PrometheusError::Reason::kTimeout:
      return "timeout";
    case PrometheusError::Reason::kHttp4xx:
      return "http_4xx";
    case PrometheusError::Reason::kHttp5xx:
      return "http_5xx";
    case PrometheusError::Reason::kBadResponse:
      return "bad_response";
    case PrometheusError::Reason::kToken:
      return "token";
    case PrometheusError::Reason::kTooLarge:
      return "too_large";
  }
  return "unknown";
}

}  // namespace prescale::adapter
