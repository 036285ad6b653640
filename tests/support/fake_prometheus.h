// A fake Prometheus query API for fault tests only: it answers garbage, slowly, with 4xx/5xx or
// with NaN/Inf samples on demand (the real Prometheus does not produce garbage, so for ordinary
// integration tests use PrometheusServer).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/metrics_exporter.h"
#include "tests/support/plain_http.h"

namespace prescale::testsupport {

// One series the fake serves for every query: its labels and its value at Unix time t (seconds).
// A NaN value means "no sample at t" (a gap: the point is left out of the answer).
struct FakeSeries {
  Labels labels{};
  std::function<double(double t)> value{};
};

// What a client sent: method, path (without the path prefix), the request target as sent, the
// query parameters merged from the URL and, for POST, the application/x-www-form-urlencoded body
// (query, start, end, step, time, timeout...), the headers, and over TLS the verified client
// certificate.
struct FakeRequest {
  std::string method{};
  std::string path{};
  std::map<std::string, std::string> params{};
  std::string target{};
  HeaderList headers{};
  PeerCertificate peer{};
  // First value of a header (case-insensitive); empty if absent.
  std::string Header(std::string_view name) const;
};

// HTTPS instead of plain HTTP: the server's certificate and key, and optionally a CA that client
// certificates must chain to (then a client without one fails the handshake).
struct FakePrometheusTls {
  std::string cert_file{};
  std::string key_file{};
  std::string client_ca_file{};
};

// Listens on 127.0.0.1 at an ephemeral port (plain HTTP, or HTTPS with FakePrometheusTls) from
// construction until destruction and answers GET and POST /api/v1/query_range and /api/v1/query
// (below SetPathPrefix) in Prometheus' JSON shapes; other paths are 404 (Prometheus' own JSON
// error), and a request without a header RequireHeader asks for is 401. Every method is
// thread-safe; over plain HTTP requests are served concurrently (a slow answer does not hold
// others back), over HTTPS one at a time (TlsHttpServer's single thread).
class FakePrometheus {
 public:
  enum class Mode {
    kPassThrough,  // a valid matrix/vector sampled from the configured series
    kGarbage,      // 200, Content-Type application/json, a truncated (malformed) JSON body
    kSlow,         // waits slow_delay (default 30 s), then answers as kPassThrough
    kHttp5xx,      // 503 {"status":"error","errorType":"unavailable","error":...}
    kHttp4xx,      // 400 {"status":"error","errorType":"bad_data","error":...}
    kNaN,          // like kPassThrough but every 4th point is "NaN" and every 7th "+Inf"
  };

  // Starts in kPassThrough with one series {venue="xnas"} whose value is 100.
  FakePrometheus();
  explicit FakePrometheus(const FakePrometheusTls& tls);
  ~FakePrometheus();
  FakePrometheus(const FakePrometheus&) = delete;
  FakePrometheus& operator=(const FakePrometheus&) = delete;

  int port() const;
  // "http://127.0.0.1:<port>" ("https://..." with TLS): what --prometheus-url takes.
  std::string url() const;

  // The query API is served below `prefix` (e.g. "/api/prom", as Mimir does); default "".
  void SetPathPrefix(std::string prefix);
  // Requests without header `name` equal to `value` get 401 (a gateway that checks a tenant
  // header or credentials). Cumulative.
  void RequireHeader(std::string name, std::string value);

  void SetMode(Mode mode);
  Mode mode() const;
  void SetSlowDelay(std::chrono::milliseconds delay);

  // The series every query returns (the PromQL text is not evaluated).
  void SetSeries(std::vector<FakeSeries> series);
  // Overrides sampling: `result` (a JSON array of {"metric":{...},"values":[[t,"v"],...]}) is
  // served verbatim as data.result of every query_range; instant queries get each series' last
  // point as a vector. nullopt returns to sampling SetSeries.
  void SetMatrix(std::optional<nlohmann::json> result);

  // Requests received on any path, in any mode.
  int64_t requests() const { return requests_.load(); }
  // The most recent request (default-constructed before the first one), and up to the last 1000.
  FakeRequest last_request() const;
  std::vector<FakeRequest> request_log() const;

 private:
  ServerResponse Handle(const ServerRequest& request);
  ServerResponse Answer(const FakeRequest& request, bool nan_mode);

  mutable std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;                        // guarded by mu_
  Mode mode_ = Mode::kPassThrough;               // guarded by mu_
  std::chrono::milliseconds slow_delay_{30000};  // guarded by mu_
  std::vector<FakeSeries> series_;               // guarded by mu_
  std::optional<nlohmann::json> matrix_;         // guarded by mu_
  std::deque<FakeRequest> log_;                  // guarded by mu_
  std::string prefix_;                           // guarded by mu_
  HeaderList required_;                          // guarded by mu_
  std::atomic<int64_t> requests_{0};
  // One of them; last: stopped first.
  std::unique_ptr<PlainHttpServer> server_;
  std::unique_ptr<TlsHttpServer> tls_server_;
};

// Prometheus' error body: {"status":"error","errorType":type,"error":message}.
std::string PrometheusErrorJson(const std::string& type, const std::string& message);

// Parses a Prometheus duration ("15s", "1m30s", "500ms", "1d") or a float number of seconds
// ("15", "0.5"); nullopt if neither.
std::optional<double> ParseStepSeconds(const std::string& text);

}  // namespace prescale::testsupport
