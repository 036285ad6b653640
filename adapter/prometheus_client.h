// A client of the Prometheus HTTP query API (`/api/v1/query_range`, `/api/v1/query`), which
// Thanos, Mimir and VictoriaMetrics serve unchanged. Queries are POSTed as forms (no URL length
// limit), over one kept-alive HTTP or HTTPS connection that is re-opened when it breaks.
//
// Threading: not thread-safe; one owner (the refresh loop). Errors are returned, never thrown.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "adapter/prometheus_response.h"

namespace prescale::adapter {

struct PrometheusClientOptions {
  // http(s)://host[:port][/path-prefix][?query], e.g. http://thanos-query:9090 or
  // https://gateway/api/prom?dedup=true: queries go to <prefix>/api/v1/query_range?<query>, so
  // the URL's parameters reach the server along with the query's own (form) parameters.
  std::string url;
  std::chrono::milliseconds timeout{10000};  // per query, connect to last byte
  // At most one credential file; each is re-read when it changes (credentials rotate).
  std::string token_file;       // a bearer token
  std::string basic_auth_file;  // one line user:password (HTTP basic auth)
  std::string ca_file;          // PEM bundle for https; empty: the system trust store
  // A client certificate (PEM, with its chain) and its private key, presented for mTLS: both or
  // neither, https only. Loaded (and checked to match) at Create; when either file changes
  // later the pair is loaded again before the next query, and a pair that does not load is
  // logged and the previous one kept.
  std::string client_cert_file;
  std::string client_key_file;
  // Extra headers sent with every query (e.g. {"X-Scope-OrgID", "tenant-1"}); checked by
  // CheckPrometheusHeaders (prometheus_credentials.h). Their values are never logged.
  std::vector<std::pair<std::string, std::string>> headers;
  // The largest answer body read (serve's --prometheus-max-answer-bytes). A larger one is a
  // kTooLarge error, read no further (the connection is closed): the JSON parse of an answer
  // takes several times its size, so this bounds the memory of one query.
  size_t max_body_bytes = kDefaultMaxAnswerBytes;
  static constexpr size_t kDefaultMaxAnswerBytes = size_t{64} << 20;
};

struct PrometheusError {
  enum class Reason {
    kConnect,      // cannot connect, or the connection broke
    kTimeout,      // no complete answer within the timeout
    kHttp4xx,      // the query was rejected: retrying the same query will not help
    kHttp5xx,      // the server failed
    kBadResponse,  // an answer that is not a valid query result
    kToken,        // the token or basic-auth file cannot be read (or is malformed)
    kTooLarge,     // the answer is larger than max_body_bytes
  };
  Reason reason = Reason::kConnect;
  std::string message;  // for logs; never contains a credential or a header value
  int http_status = 0;

  // A failure of the source itself (unreachable, slow, failing, no credentials) rather than of
  // one query: other queries to it would fail the same way.
  bool SourceFailure() const {
    return reason != Reason::kHttp4xx && reason != Reason::kBadResponse &&
           reason != Reason::kTooLarge;
  }
};

// The stable, low-cardinality label of metrics and logs: "connect", "timeout", "http_4xx",
// "http_5xx", "bad_response", "token", "too_large".
const char* ReasonLabel(PrometheusError::Reason reason);
inline constexpr PrometheusError::Reason kAllPrometheusErrorReasons[] = {
    PrometheusError::Reason::kConnect,     PrometheusError::Reason::kTimeout,
    PrometheusError::Reason::kHttp4xx,     PrometheusError::Reason::kHttp5xx,
    PrometheusError::Reason::kBadResponse, PrometheusError::Reason::kToken,
    PrometheusError::Reason::kTooLarge};

using QueryResult = std::variant<std::vector<Series>, PrometheusError>;

class PrometheusClient {
 public:
  // Fails (returns the message, fit for an exit-2 start-up error) on a malformed URL, a URL
  // query that sets a parameter the client sets itself (query, time, start, end, step), both a
  // token and a basic-auth file, a header CheckPrometheusHeaders refuses, an unreadable CA file,
  // or a client certificate or key that is missing, unreadable, without https, or not a pair.
  static std::variant<std::unique_ptr<PrometheusClient>, std::string> Create(
      PrometheusClientOptions options);
  ~PrometheusClient();

  // Evaluates `query` at start, start + step, ... <= end (Unix seconds). The caller keeps the
  // range within kMaxPointsPerQuery.
  QueryResult QueryRange(std::string_view query, double start, double end, double step);

  // Evaluates `query` at `time`.
  QueryResult Query(std::string_view query, double time);

  // Bytes of answers received so far (for the parse benchmark and metrics).
  uint64_t bytes_received() const;

 private:
  class Impl;
  explicit PrometheusClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Prometheus refuses more than 11,000 points per series in one query_range.
inline constexpr int kMaxPointsPerQuery = 11000;

}  // namespace prescale::adapter
