// A real Prometheus (Debian's `prometheus` 2.42+) for integration tests: a temp data dir,
// optionally backfilled with `promtool tsdb create-blocks-from openmetrics`, scraping test
// exporters on 127.0.0.1, stoppable and restartable on the same port and data.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/metrics_exporter.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace prescale::testsupport {

struct PrometheusServerOptions {
  // OpenMetrics text to backfill before the first start: `# TYPE` lines, samples with timestamps
  // in SECONDS, and a final `# EOF` line. Empty: no backfill. Samples older than the retention
  // are dropped by Prometheus; keep them before "now" (the head starts after the backfill).
  std::string backfill_openmetrics{};
  // Scrape targets "127.0.0.1:<port>" (e.g. MetricsExporter::target()), one job "test",
  // metrics_path /metrics.
  std::vector<std::string> scrape_targets{};
  std::chrono::milliseconds scrape_interval{1000};
  // Accept samples up to this much older than the newest one (storage.tsdb
  // .out_of_order_time_window); empty: Prometheus' default (none).
  std::string out_of_order_time_window = "1h";
  std::string retention = "3650d";  // long, so backfilled blocks are never deleted
  std::string prometheus_binary = "prometheus";
  std::string promtool_binary = "promtool";
  std::vector<std::string> extra_args{};           // appended to the prometheus command line
  std::chrono::milliseconds ready_timeout{60000};  // for /-/ready on each Start()
  std::chrono::milliseconds query_timeout{30000};  // for each HTTP query
};

// One sample of an instant query (a "vector" result): the series' labels (with __name__ when the
// result keeps it), its value and its timestamp (Unix seconds).
struct PromSample {
  Labels labels{};
  double value = 0;
  double timestamp = 0;
};

// One series of a range query (a "matrix" result): labels and (timestamp, value) points.
struct PromSeries {
  Labels labels{};
  std::vector<std::pair<double, double>> points{};
};

// Owns a prometheus child process and its data dir (a TempDir, removed at destruction unless
// PRESCALE_KEEP_TEST_DIRS is set). The constructor backfills, picks a free port, starts
// Prometheus and waits for /-/ready; it throws std::runtime_error (with the tail of the log) if
// promtool fails or Prometheus does not become ready in time. Stop() and Start() keep the port
// and the data dir, so data (backfilled blocks and scraped samples, through the WAL) survive.
// Queries throw std::runtime_error on transport errors or a non-success answer. Use from one
// thread; queries are independent HTTP requests and may come from several threads.
class PrometheusServer {
 public:
  explicit PrometheusServer(PrometheusServerOptions options);
  ~PrometheusServer();
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:<port>"
  std::string url() const;
  const std::filesystem::path& data_dir() const { return data_dir_; }
  const std::filesystem::path& config_file() const { return config_file_; }
  // Prometheus' own stderr (its log) of the current or last run.
  std::string ReadLog() const;

  // SIGTERM (clean shutdown, WAL flushed), SIGKILL after 10 s. Idempotent. While stopped,
  // connections to port() are refused.
  void Stop();
  // Starts again on the same port and data dir and waits for /-/ready. Throws as the
  // constructor does (e.g. if the port was taken meanwhile). No-op if running.
  void Start();
  bool running();

  // Runs promtool on `openmetrics` into the data dir. Prometheus only loads new blocks when it
  // starts, so this requires a stopped server (throws std::logic_error otherwise).
  void Backfill(const std::string& openmetrics);

  // GET /api/v1/query (time: Unix seconds; nullopt: now). Expects a vector result.
  std::vector<PromSample> QueryInstant(const std::string& promql,
                                       std::optional<double> time = std::nullopt) const;
  // GET /api/v1/query_range with step in seconds. Expects a matrix result.
  std::vector<PromSeries> QueryRange(const std::string& promql, double start, double end,
                                     double step_seconds) const;
  // Any GET on the API (e.g. "/api/v1/targets"), parsed; throws on transport errors only.
  nlohmann::json GetJson(const std::string& target) const;

  // Polls QueryInstant(promql) every 200 ms until some sample satisfies `predicate`, and returns
  // it; nullopt after `timeout` (query errors count as "not yet").
  std::optional<PromSample> WaitForSample(const std::string& promql,
                                          const std::function<bool(const PromSample&)>& predicate,
                                          std::chrono::milliseconds timeout) const;

 private:
  void WriteConfig() const;
  void RunPromtool(const std::string& openmetrics);

  PrometheusServerOptions options_;
  TempDir dir_{"prescale-prom"};
  std::filesystem::path data_dir_;
  std::filesystem::path config_file_;
  std::filesystem::path log_dir_;
  int port_ = 0;
  std::optional<Process> process_;
};

// Promtool's input from samples: one `# TYPE name type` per family, `name{labels} value t`
// (t in seconds, printed exactly), and `# EOF`. Points must be sorted by time within a series.
std::string OpenMetricsText(const std::string& name, const std::string& type,
                            const std::vector<PromSeries>& series);

}  // namespace prescale::testsupport
