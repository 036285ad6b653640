#include "apiserver/kube_client.h"

#include "common/read_file.h"

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <yaml-cpp/yaml.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/bearer_token.h"
#include "common/http_url.h"

namespace prescale::apiserver {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

std::string Base64Decode(const std::string& in) {
  std::string out((in.size() / 4 + 1) * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  if (n < 0) return "";
  size_t len = static_cast<size_t>(n);
  // EVP_DecodeBlock counts padding bytes as output.
  for (size_t i = in.size(); i > 0 && in[i - 1] == '='; --i) --len;
  out.resize(len);
  return out;
}

// Reads `key` or `key-data` (base64) of a kubeconfig map into *pem.
bool ReadPemField(const YAML::Node& map, const std::string& key, const std::filesystem::path& base,
                  std::string* pem, std::string* error) {
  if (const YAML::Node data = map[key + "-data"]) {
    *pem = Base64Decode(data.as<std::string>());
    if (pem->empty()) *error = key + "-data is not valid base64";
    return !pem->empty();
  }
  if (const YAML::Node file = map[key]) {
    std::filesystem::path p = file.as<std::string>();
    if (p.is_relative()) p = base / p;
    std::optional<std::string> text = ReadFile(p.string());
    if (!text) *error = "cannot read " + key + " " + p.string();
    if (text) *pem = std::move(*text);
    return text.has_value();
  }
  return true;
}

YAML::Node FindNamed(const YAML::Node& list, const std::string& name, const char* field) {
  if (list && list.IsSequence()) {
    for (const YAML::Node& item : list) {
      if (item["name"] && item["name"].as<std::string>() == name) return item[field];
    }
  }
  return YAML::Node();
}

bool UsePem(ssl::context& ctx, const KubeClientConfig& c, std::string* error) {
  beast::error_code ec;
  if (c.insecure_skip_tls_verify) {
    ctx.set_verify_mode(ssl::verify_none);
  } else {
    ctx.set_verify_mode(ssl::verify_peer);
    if (c.ca_pem.empty())
      ctx.set_default_verify_paths(ec);
    else
      ctx.add_certificate_authority(net::buffer(c.ca_pem), ec);
    if (ec) return *error = "bad certificate-authority: " + ec.message(), false;
  }
  if (!c.client_cert_pem.empty()) {
    ctx.use_certificate_chain(net::buffer(c.client_cert_pem), ec);
    if (!ec) ctx.use_private_key(net::buffer(c.client_key_pem), ssl::context::pem, ec);
    if (ec) return *error = "bad client certificate or key: " + ec.message(), false;
  }
  return true;
}

}  // namespace

std::optional<KubeClientConfig> LoadKubeconfig(const std::string& path, std::string* error) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const std::exception& e) {
    *error = "cannot read kubeconfig " + path + ": " + e.what();
    return std::nullopt;
  }
  const std::filesystem::path base = std::filesystem::path(path).parent_path();
  try {
    std::string context_name =
        root["current-context"] ? root["current-context"].as<std::string>() : "";
    YAML::Node context = FindNamed(root["contexts"], context_name, "context");
    if (!context && root["contexts"] && root["contexts"].size() > 0)
      context = root["contexts"][0]["context"];
    if (!context) {
      *error = "kubeconfig " + path + " has no usable context";
      return std::nullopt;
    }
    const YAML::Node cluster =
        FindNamed(root["clusters"], context["cluster"].as<std::string>(""), "cluster");
    const YAML::Node user = FindNamed(root["users"], context["user"].as<std::string>(""), "user");
    if (!cluster || !cluster["server"]) {
      *error = "kubeconfig " + path + ": the current context's cluster has no server";
      return std::nullopt;
    }
    KubeClientConfig c;
    c.server = cluster["server"].as<std::string>();
    c.insecure_skip_tls_verify = cluster["insecure-skip-tls-verify"].as<bool>(false);
    std::string why;
    if (!ReadPemField(cluster, "certificate-authority", base, &c.ca_pem, &why) ||
        (user && (!ReadPemField(user, "client-certificate", base, &c.client_cert_pem, &why) ||
                  !ReadPemField(user, "client-key", base, &c.client_key_pem, &why)))) {
      *error = "kubeconfig " + path + ": " + why;
      return std::nullopt;
    }
    if (user && user["token"]) c.token = user["token"].as<std::string>();
    if (user && user["tokenFile"]) {
      std::filesystem::path p = user["tokenFile"].as<std::string>();
      c.token_file = (p.is_relative() ? base / p : p).string();
    }
    std::string why_server;
    const std::optional<HttpUrl> server =
        ParseHttpUrl(c.server, "server URL", "use a token or a client certificate", &why_server);
    if (!server || !server->tls) {
      *error = "kubeconfig " + path + ": " +
               (server ? "server must be an https:// URL, got " + c.server : why_server);
      return std::nullopt;
    }
    return c;
  } catch (const YAML::Exception& e) {
    *error = "kubeconfig " + path + ": " + e.what();
    return std::nullopt;
  }
}

std::optional<KubeClientConfig> InClusterConfig(std::string* error) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  const std::string dir = "/var/run/secrets/kubernetes.io/serviceaccount/";
  if (!host || !port || !std::filesystem::exists(dir + "token")) {
    *error = "not running in a cluster (no KUBERNETES_SERVICE_HOST or service-account token)";
    return std::nullopt;
  }
  KubeClientConfig c;
  const std::string h = host;
  c.server = "https://" + (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" + port;
  c.token_file = dir + "token";
  std::optional<std::string> ca = ReadFile(dir + "ca.crt");
  if (!ca) {
    *error = "cannot read " + dir + "ca.crt";
    return std::nullopt;
  }
  c.ca_pem = std::move(*ca);
  return c;
}

struct KubeClient::Tls {
  ssl::context context{ssl::context::tls_client};
  std::string error;  // non-empty: no call can be made
};

struct KubeClient::Connection {
  explicit Connection(ssl::context& context) : stream(ioc, context) {}
  net::io_context ioc;
  beast::ssl_stream<beast::tcp_stream> stream;
  bool open = false;
};

KubeClient::KubeClient(KubeClientConfig config, std::chrono::milliseconds timeout)
    : config_(std::move(config)), timeout_(timeout), tls_(std::make_unique<Tls>()) {
  SSL_CTX_set_min_proto_version(tls_->context.native_handle(), TLS1_2_VERSION);
  UsePem(tls_->context, config_, &tls_->error);
}

KubeClient::~KubeClient() = default;

uint64_t KubeClient::connections_opened() const {
  std::lock_guard lock(mu_);
  return opened_;
}

KubeResponse KubeClient::Get(const std::string& path) const { return Call("GET", path, ""); }

KubeResponse KubeClient::Post(const std::string& path, const std::string& json_body) const {
  return Call("POST", path, json_body);
}

KubeResponse KubeClient::Call(const std::string& method, const std::string& path,
                              const std::string& body) const {
  KubeResponse result;
  if (!tls_->error.empty()) return result.error = tls_->error, result;
  std::string token = config_.token;
  if (!config_.token_file.empty()) {
    std::optional<std::string> t = ReadBearerToken(config_.token_file);
    if (!t) return result.error = "cannot read token file " + config_.token_file, result;
    token = std::move(*t);
  }
  std::unique_ptr<Connection> connection;
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      connection = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  const bool reused = connection != nullptr;
  if (!connection) connection = std::make_unique<Connection>(tls_->context);
  result = Exchange(*connection, method, path, body, token);
  if (reused && result.status == 0) {  // closed by the server while idle: once more, afresh
    connection = std::make_unique<Connection>(tls_->context);
    result = Exchange(*connection, method, path, body, token);
  }
  if (connection->open) {
    std::lock_guard lock(mu_);
    if (idle_.size() < kMaxIdleConnections) idle_.push_back(std::move(connection));
  }
  return result;
}

KubeResponse KubeClient::Exchange(Connection& c, const std::string& method, const std::string& path,
                                  const std::string& body, const std::string& token) const {
  KubeResponse result;
  const std::optional<HttpUrl> url =
      ParseHttpUrl(config_.server, "Kubernetes API server URL",
                   "use a token or a client certificate", &result.error);
  if (!url) return result;
  if (!url->tls) return result.error = "the Kubernetes API server URL must be https", result;
  const bool connect = !c.open;
  if (connect) {
    if (!config_.insecure_skip_tls_verify) {
      beast::error_code not_an_ip;
      net::ip::make_address(url->host, not_an_ip);
      if (not_an_ip) {  // a host name: send SNI and check it
        SSL_set_tlsext_host_name(c.stream.native_handle(), url->host.c_str());
        c.stream.set_verify_callback(ssl::host_name_verification(url->host));
      } else {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c.stream.native_handle()), url->host.c_str());
      }
    }
    std::lock_guard lock(mu_);
    ++opened_;
  }
  // A kubeconfig's server may carry a path (clusters behind an API proxy): requests go below it.
  http::request<http::string_body> req{method == "POST" ? http::verb::post : http::verb::get,
                                       url->path + path, 11};
  req.set(http::field::host, url->host);
  req.set(http::field::user_agent, "prescale");
  req.set(http::field::accept, "application/json");
  req.keep_alive(true);
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  if (method == "POST") {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();

  bool keep_alive = false;
  auto call = [&]() -> net::awaitable<void> {
    beast::get_lowest_layer(c.stream).expires_after(timeout_);
    if (connect) {
      tcp::resolver resolver(c.ioc);
      const auto endpoints =
          co_await resolver.async_resolve(url->host, url->port, net::use_awaitable);
      co_await beast::get_lowest_layer(c.stream).async_connect(endpoints, net::use_awaitable);
      co_await c.stream.async_handshake(ssl::stream_base::client, net::use_awaitable);
    }
    co_await http::async_write(c.stream, req, net::use_awaitable);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(4 << 20);
    co_await http::async_read(c.stream, buffer, parser, net::use_awaitable);
    result.status = static_cast<int>(parser.get().result_int());
    result.body = std::move(parser.get().body());
    keep_alive = parser.get().keep_alive() && buffer.size() == 0;
  };
  c.ioc.restart();
  net::co_spawn(c.ioc, call(), [&](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      result.error = ex.what();
    }
  });
  c.ioc.run();
  if (!result.error.empty()) result.status = 0;
  c.open = result.error.empty() && keep_alive;
  if (c.open) beast::get_lowest_layer(c.stream).expires_never();
  return result;
}

}  // namespace prescale::apiserver
