#include "adapter/cli/history_source.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "adapter/cli/offline_inputs.h"
#include "adapter/cli/progress.h"
#include "adapter/history_fetch.h"
#include "adapter/prometheus_credentials.h"
#include "common/duration.h"
#include "common/read_file.h"
#include "common/rfc3339.h"

namespace prescale::cli {
namespace {

namespace fs = std::filesystem;

// The trace files named by --trace: files as given, folders as their *.csv files in name order.
std::vector<std::string> TraceFiles(const std::vector<std::string>& given) {
  std::vector<std::string> files;
  for (const std::string& path : given) {
    std::error_code ec;
    if (!fs::is_directory(path, ec)) {
      files.push_back(path);
      continue;
    }
    std::vector<std::string> inside;
    for (const auto& entry : fs::directory_iterator(path, ec))
      if (entry.path().extension() == ".csv") inside.push_back(entry.path().string());
    std::sort(inside.begin(), inside.end());
    files.insert(files.end(), inside.begin(), inside.end());
  }
  return files;
}

std::optional<HistoryError> FromTraces(const HistoryFlags& f, History* out) {
  const std::vector<std::string> files = TraceFiles(f.traces);
  if (files.empty()) return HistoryError{2, "--trace: no trace files in " + f.traces.front()};
  for (const std::string& file : files) {
    policies::SeriesTrace s;
    if (std::string e = LoadTrace(file, &s.trace); !e.empty()) return HistoryError{2, e};
    s.labels = forecasting::ParseTraceLabels(ReadFile(file).value_or(""));
    out->series.push_back(std::move(s));
  }
  out->name = files.size() == 1 ? files.front() : f.traces.front();
  if (out->series.size() == 1 && out->series.front().labels.empty()) {
    out->total = std::move(out->series.front().trace);
    out->series.clear();
    return std::nullopt;
  }
  auto sum = policies::AlignAndSum(&out->series);
  if (auto* e = std::get_if<std::string>(&sum)) return HistoryError{2, "--trace: " + *e};
  out->total = std::get<forecasting::Trace>(std::move(sum));
  return std::nullopt;
}

std::optional<HistoryError> FromPrometheus(const HistoryFlags& f, const policies::Policy& policy,
                                           double now, const std::string& prefix, History* out) {
  if (f.from.empty()) return HistoryError{2, "--prometheus-url needs --from"};
  const std::optional<double> from = ParseTimeFlag(f.from, now);
  if (!from) return HistoryError{2, "--from: \"" + f.from + "\" is not RFC 3339, now or -D"};
  const std::optional<double> to = f.to.empty() ? std::optional(now) : ParseTimeFlag(f.to, now);
  if (!to) return HistoryError{2, "--to: \"" + f.to + "\" is not RFC 3339, now or -D"};
  const double step = ToSeconds(policy.step);
  if (!(*to - *from >= 2 * step)) {
    return HistoryError{2, "bad period: --from " + FormatRfc3339(*from) + " is not at least two " +
                               "steps before --to " + FormatRfc3339(*to)};
  }
  adapter::PrometheusClientOptions options;
  options.url = f.prometheus_url;
  options.token_file = f.token_file;
  options.basic_auth_file = f.basic_auth_file;
  options.ca_file = f.ca_file;
  options.client_cert_file = f.client_cert_file;
  options.client_key_file = f.client_key_file;
  for (const std::string& flag : f.headers) {
    std::pair<std::string, std::string> header;
    if (std::string error = adapter::ParsePrometheusHeader(flag, &header); !error.empty())
      return HistoryError{2, error};
    options.headers.push_back(std::move(header));
  }
  options.timeout = std::chrono::seconds(30);
  if (!f.timeout.empty()) {
    std::string error;
    const std::optional<Duration> d = ParseDuration(f.timeout, &error);
    if (!d || *d <= Duration::zero() || *d > std::chrono::hours(24))
      return HistoryError{2, "--prometheus-timeout: " + (d ? "must be in (0, 24h]" : error)};
    options.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
  }
  auto client = adapter::PrometheusClient::Create(options);
  if (auto* e = std::get_if<std::string>(&client)) return HistoryError{2, *e};
  adapter::HistoryQuery q{policy.query, *from, *to,
                          step,         2000,  static_cast<size_t>(std::max(1, policy.max_series))};
  Progress progress(prefix, "buckets fetched", Progress::StderrIsTerminal());
  auto fetched =
      adapter::FetchHistory(*std::get<std::unique_ptr<adapter::PrometheusClient>>(client), q,
                            [&](size_t done, size_t total) {
                              if (!f.quiet) progress.Update(done, total);
                            });
  if (auto* e = std::get_if<adapter::PrometheusError>(&fetched)) {
    const bool rejected = e->reason == adapter::PrometheusError::Reason::kHttp4xx;
    return HistoryError{rejected ? 2 : 1, std::string("Prometheus ") +
                                              (rejected ? "rejected the query" : "failed") + " (" +
                                              adapter::ReasonLabel(e->reason) + "): " + e->message};
  }
  auto& series = std::get<std::vector<adapter::FetchedSeries>>(fetched);
  if (series.empty()) {
    return HistoryError{1, "the query of policy " + policy.name + " returned no series between " +
                               FormatRfc3339(*from) + " and " + FormatRfc3339(*to)};
  }
  for (adapter::FetchedSeries& s : series)
    out->series.push_back({std::move(s.labels), std::move(s.trace)});
  auto sum = policies::AlignAndSum(&out->series);
  if (auto* e = std::get_if<std::string>(&sum)) return HistoryError{1, *e};
  out->total = std::get<forecasting::Trace>(std::move(sum));
  out->name = f.prometheus_url + " (policy " + policy.name + ", " + FormatRfc3339(*from) + " to " +
              FormatRfc3339(*to) + ")";
  return std::nullopt;
}

// Writes each series as DIR/series-N.csv with its labels as `# label` comments.
std::optional<HistoryError> WriteTraces(const std::string& dir, const History& h) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return HistoryError{1, "--trace-out: cannot create " + dir + ": " + ec.message()};
  std::vector<policies::SeriesTrace> one;
  if (h.series.empty()) one.push_back({{}, h.total});
  const std::vector<policies::SeriesTrace>& list = h.series.empty() ? one : h.series;
  for (size_t i = 0; i < list.size(); ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "series-%03zu.csv", i + 1);
    std::string text;
    for (const auto& [k, v] : list[i].labels) text += "# label " + k + "=" + v + "\n";
    text += "timestamp,value\n";
    const forecasting::Trace& t = list[i].trace;
    char row[80];
    for (size_t b = 0; b < t.values.size(); ++b) {
      std::snprintf(row, sizeof row, "%.17g,%.17g\n", t.BucketStart(b), t.values[b]);
      text += row;
    }
    const std::string path = (fs::path(dir) / name).string();
    if (!WriteOutput(path, text)) return HistoryError{1, "--trace-out: cannot write " + path};
  }
  return std::nullopt;
}

}  // namespace

void HistoryFlags::AddFlags(CLI::App& cmd) {
  cmd.add_option("--trace", traces,
                 "Demand trace CSV (timestamp,value); repeat it, or name a folder, for the "
                 "series of one policy (their sum is what the HPA sees)");
  cmd.add_option("--prometheus-url", prometheus_url,
                 "Read the history from this Prometheus query API: the policy's query over "
                 "--from/--to at its step (needs --config)");
  cmd.add_option("--from", from, "Start of the period: RFC 3339 or relative, e.g. -14d");
  cmd.add_option("--to", to, "End of the period: RFC 3339, now (default) or relative");
  cmd.add_option("--prometheus-token-file", token_file, "Bearer token file for the query API");
  cmd.add_option("--prometheus-basic-auth-file", basic_auth_file,
                 "File holding user:password for HTTP basic auth (not with a token file)");
  cmd.add_option("--prometheus-header", headers,
                 "NAME=VALUE header sent with every query, repeatable (e.g. "
                 "X-Scope-OrgID=tenant-1)");
  cmd.add_option("--prometheus-ca-file", ca_file, "CA bundle (PEM) for an https query API");
  cmd.add_option("--prometheus-client-cert-file", client_cert_file,
                 "Client certificate (PEM) presented to an https query API (mTLS)");
  cmd.add_option("--prometheus-client-key-file", client_key_file,
                 "Private key (PEM) of --prometheus-client-cert-file");
  cmd.add_option("--prometheus-timeout", timeout, "Per query (default 30s, at most 24h)");
  cmd.add_option("--trace-out", trace_out,
                 "Write the history's series as trace files to this folder (read back with "
                 "--trace FOLDER)");
}

std::optional<double> ParseTimeFlag(const std::string& text, double now) {
  if (text == "now") return now;
  if (!text.empty() && text.front() == '-') {
    const std::optional<Duration> d = ParseDuration(text.substr(1));
    if (d && *d >= Duration::zero()) return now - ToSeconds(*d);
    return std::nullopt;
  }
  return ParseRfc3339(text);
}

std::optional<HistoryError> LoadHistory(const HistoryFlags& f, const policies::Policy& policy,
                                        bool have_config, double now, const std::string& prefix,
                                        History* out) {
  if (f.traces.empty() == f.prometheus_url.empty())
    return HistoryError{2, "give either --trace or --prometheus-url"};
  if (f.prometheus_url.empty() && (!f.from.empty() || !f.to.empty()))
    return HistoryError{2, "--from and --to need --prometheus-url"};
  if (!f.prometheus_url.empty() && !have_config)
    return HistoryError{2, "--prometheus-url needs --config (the policy whose query to run)"};
  std::optional<HistoryError> e =
      f.traces.empty() ? FromPrometheus(f, policy, now, prefix, out) : FromTraces(f, out);
  if (e) return e;
  if (!f.trace_out.empty()) return WriteTraces(f.trace_out, *out);
  return std::nullopt;
}

}  // namespace prescale::cli
