// A tiny /metrics endpoint for tests, so a real Prometheus scrapes fresh samples live.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "tests/support/plain_http.h"

namespace prescale::testsupport {

using Labels = std::map<std::string, std::string>;

// Serves GET /metrics in the Prometheus text format (0.0.4) over plain HTTP on 127.0.0.1 at an
// ephemeral port, from construction until destruction. Samples carry no timestamps: Prometheus
// stamps them with the scrape time. Every method is thread-safe. Other paths answer 404.
class MetricsExporter {
 public:
  enum class Mode {
    kNormal,    // 200 with the current samples
    kError500,  // 500 "exporter failing" (Prometheus marks the target down: up == 0)
    kHang,      // holds the request until the mode changes or the exporter is destroyed
  };

  MetricsExporter();
  ~MetricsExporter();
  MetricsExporter(const MetricsExporter&) = delete;
  MetricsExporter& operator=(const MetricsExporter&) = delete;

  int port() const;
  // "127.0.0.1:<port>", the form a scrape config's `targets` wants.
  std::string target() const;

  // Declares the `# TYPE` of a family ("gauge" (default), "counter", "untyped").
  void SetType(const std::string& name, const std::string& type);
  // Sets the sample `name{labels}` (creating it). NaN and infinities are written as Prometheus
  // writes them (NaN, +Inf, -Inf). Names and label names are not validated.
  void Set(const std::string& name, const Labels& labels, double value);
  // Adds `delta` to the sample (0 if absent): for counters.
  void Add(const std::string& name, const Labels& labels, double delta);
  void Remove(const std::string& name, const Labels& labels);

  void SetMode(Mode mode);
  // Number of /metrics requests received so far (in any mode).
  int64_t scrapes() const { return scrapes_.load(); }

  // The exposition text as it would be served now.
  std::string Render() const;

 private:
  ServerResponse Handle(const ServerRequest& request);

  mutable std::mutex mu_;
  std::condition_variable mode_changed_;
  Mode mode_ = Mode::kNormal;                                // guarded by mu_
  bool stopping_ = false;                                    // guarded by mu_
  std::map<std::string, std::string> types_;                 // guarded by mu_
  std::map<std::string, std::map<Labels, double>> samples_;  // guarded by mu_
  std::atomic<int64_t> scrapes_{0};
  std::unique_ptr<PlainHttpServer> server_;  // last: stopped first
};

// A float as the Prometheus text formats write it: shortest round-trip decimal, NaN, +Inf, -Inf.
std::string FormatPromValue(double value);

// Escapes a label value for the text format (backslash, double quote, newline).
std::string EscapeLabelValue(const std::string& value);

}  // namespace prescale::testsupport
