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

// What a client sent: method, path, and the query parameters merged from the URL and, for
// POST, the application/x-www-form-urlencoded body (query, start, end, step, time, timeout...).
struct FakeRequest {
  std::string method{};
  std::string path{};
  std::map<std::string, std::string> params{};
};

// Listens on 127.0.0.1 at an ephemeral port (plain HTTP) from construction until destruction and
// answers GET and POST /api/v1/query_range and /api/v1/query in Prometheus' JSON shapes; other
// paths are 404 (Prometheus' own JSON error). Every method is thread-safe; requests are served
// concurrently (a slow answer does not hold others back).
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
  ~FakePrometheus();
  FakePrometheus(const FakePrometheus&) = delete;
  FakePrometheus& operator=(const FakePrometheus&) = delete;

  int port() const;
  // "http://127.0.0.1:<port>": what --prometheus-url takes.
  std::string url() const;

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
  std::atomic<int64_t> requests_{0};
  std::unique_ptr<PlainHttpServer> server_;  // last: stopped first
};

// Prometheus' error body: {"status":"error","errorType":type,"error":message}.
std::string PrometheusErrorJson(const std::string& type, const std::string& message);

// Parses a Prometheus duration ("15s", "1m30s", "500ms", "1d") or a float number of seconds
// ("15", "0.5"); nullopt if neither.
std::optional<double> ParseStepSeconds(const std::string& text);

}  // namespace prescale::testsupport
