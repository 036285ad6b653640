// A small synchronous HTTPS/1.1 client for tests, on OpenSSL, with full control of TLS settings.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace prescale::testsupport {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpsClientOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  // CA bundle (PEM file) to verify the server with; empty: do not verify at all.
  std::string ca_file{};
  // SNI, and the name checked against the certificate when ca_file is set.
  std::string server_name = "localhost";
  // Client certificate and key (PEM files); empty: none.
  std::string client_cert_file{};
  std::string client_key_file{};
  // Protocol bounds, e.g. TLS1_VERSION, TLS1_2_VERSION, TLS1_3_VERSION; 0: OpenSSL default.
  int min_tls_version = 0;
  int max_tls_version = 0;
  // TLS <= 1.2 cipher list (e.g. "DEFAULT:@SECLEVEL=0" to allow TLS 1.0/1.1 at all) and TLS 1.3
  // suites; empty: default.
  std::string cipher_list{};
  std::string tls13_ciphersuites{};
  // Bound on connect, handshake, and each request/response exchange.
  std::chrono::milliseconds timeout{5000};
};

struct HttpsRequest {
  std::string method = "GET";
  std::string target = "/";  // path and query, sent as is
  // Sent in order, repeats allowed (e.g. X-Remote-Group twice). Host, Content-Length and
  // User-Agent are added unless present.
  HeaderList headers{};
  std::string body{};
};

struct HttpsResponse {
  int status = 0;
  HeaderList headers{};
  std::string body{};
  // First value of a header (case-insensitive name); empty if absent.
  std::string Header(std::string_view name) const;
  // Body parsed as JSON; a discarded value if it is not JSON.
  nlohmann::json Json() const;
};

// Either a response or a transport error ("connect: Connection refused", "handshake: ...",
// "timeout reading response", ...). HTTP error statuses are responses, not errors.
struct HttpsResult {
  std::optional<HttpsResponse> response{};
  std::string error{};
  bool ok() const { return response.has_value(); }
};

// One TLS connection that can carry several requests in a row (HTTP/1.1 keep-alive). Construction
// sets SIGPIPE to SIG_IGN process-wide (once), so a peer that hangs up yields an error, not a
// death. connects and handshakes; check connected()/error(). Not thread-safe; one request at a
// time.
class HttpsConnection {
 public:
  explicit HttpsConnection(HttpsClientOptions options);
  ~HttpsConnection();
  HttpsConnection(const HttpsConnection&) = delete;
  HttpsConnection& operator=(const HttpsConnection&) = delete;

  bool connected() const;
  const std::string& error() const;
  // Negotiated protocol ("TLSv1.3") and cipher; empty unless connected.
  std::string protocol() const;
  std::string cipher() const;
  // Subject of the server certificate (one-line form), empty if none.
  std::string peer_subject() const;

  // Changes the bound on each later Send (the handshake used options.timeout).
  void set_timeout(std::chrono::milliseconds timeout);

  // Sends `request`, reads one response. On transport failure the connection is closed and the
  // result carries the error; a closed connection stays closed (make a new one).
  HttpsResult Send(const HttpsRequest& request);

  // Raw bytes over the TLS connection (partial or malformed requests), and reading one response
  // to whatever was sent. SendRaw returns false when the write fails (error() says why).
  bool SendRaw(std::string_view bytes);
  HttpsResult ReadResponse();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One request on a fresh connection.
HttpsResult HttpsSend(const HttpsClientOptions& options, const HttpsRequest& request);
HttpsResult HttpsGet(const HttpsClientOptions& options, const std::string& target,
                     HeaderList headers = {});
HttpsResult HttpsPostJson(const HttpsClientOptions& options, const std::string& target,
                          const nlohmann::json& body, HeaderList headers = {});

}  // namespace prescale::testsupport
