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
#include <variant>
#include <vector>

#include "adapter/prometheus_response.h"

namespace prescale::adapter {

struct PrometheusClientOptions {
  std::string url;  // http(s)://host[:port][/path-prefix], e.g. http://thanos-query:9090
  std::chrono::milliseconds timeout{10000};  // per query, connect to last byte
  std::string token_file;  // bearer token, re-read when the file changes (tokens rotate)
  std::string ca_file;     // PEM bundle for https; empty: the system trust store
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
    kToken,        // the bearer token file cannot be read (or holds control characters)
    kTooLarge,     // the answer is larger than max_body_bytes
  };
  Reason reason = Reason::kConnect;
  std::string message;  // for logs; never contains the token
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
  // Fails (returns the message) on a malformed URL or an unreadable CA file.
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
