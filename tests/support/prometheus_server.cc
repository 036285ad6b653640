#include "tests/support/prometheus_server.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/plain_http.h"

namespace prescale::testsupport {

namespace {

using nlohmann::json;

std::string DurationText(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
  return std::to_string(d.count()) + "ms";
}

std::string Tail(const std::string& text, size_t lines) {
  size_t pos = text.size();
  for (size_t n = 0; n <= lines && pos > 0; ++n) {
    size_t found = text.rfind('\n', pos - 1);
    if (found == std::string::npos) return text;
    pos = found;
  }
  return text.substr(pos);
}

double ParseValue(const json& value) {
  // Prometheus sends sample values as strings: "1.5", "NaN", "+Inf", "-Inf".
  const std::string& text = value.get_ref<const std::string&>();
  return std::strtod(text.c_str(), nullptr);
}

Labels ParseLabels(const json& metric) {
  Labels labels;
  for (const auto& [key, value] : metric.items()) labels[key] = value.get<std::string>();
  return labels;
}

// The data.result of a successful answer of the expected type; throws otherwise.
const json& Result(const json& body, const std::string& expected_type, const std::string& what) {
  if (!body.is_object() || body.value("status", "") != "success") {
    throw std::runtime_error(what + ": " + (body.is_discarded() ? "not JSON" : body.dump()));
  }
  const json& data = body.at("data");
  if (data.value("resultType", "") != expected_type) {
    throw std::runtime_error(what + ": expected a " + expected_type + ", got " +
                             data.value("resultType", "?"));
  }
  return data.at("result");
}

std::string FormatSeconds(double t) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, t, std::chars_format::fixed);
  return std::string(buffer, end);
}

}  // namespace

PrometheusServer::PrometheusServer(PrometheusServerOptions options) : options_(std::move(options)) {
  data_dir_ = dir_.File("data");
  config_file_ = dir_.File("prometheus.yml");
  log_dir_ = dir_.File("logs");
  std::filesystem::create_directories(data_dir_);
  std::filesystem::create_directories(log_dir_);
  if (!options_.backfill_openmetrics.empty()) RunPromtool(options_.backfill_openmetrics);
  options_.backfill_openmetrics.clear();  // not kept in memory
  WriteConfig();
  port_ = FreeTcpPort();
  Start();
}

PrometheusServer::~PrometheusServer() { Stop(); }

std::string PrometheusServer::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string PrometheusServer::ReadLog() const { return ReadFileOrEmpty(log_dir_ / "stderr.log"); }

void PrometheusServer::WriteConfig() const {
  std::ostringstream yml;
  std::string interval = DurationText(options_.scrape_interval);
  yml << "global:\n"
      << "  scrape_interval: " << interval << "\n"
      << "  scrape_timeout: " << interval << "\n"
      << "  evaluation_interval: 1m\n";
  if (!options_.out_of_order_time_window.empty()) {
    yml << "storage:\n  tsdb:\n    out_of_order_time_window: " << options_.out_of_order_time_window
        << "\n";
  }
  yml << "scrape_configs:\n";
  if (!options_.scrape_targets.empty()) {
    yml << "  - job_name: test\n"
        << "    metrics_path: /metrics\n"
        << "    static_configs:\n"
        << "      - targets:\n";
    for (const std::string& target : options_.scrape_targets) {
      yml << "          - '" << target << "'\n";
    }
  } else {
    yml << "  []\n";
  }
  WriteFileOrThrow(config_file_, yml.str());
}

void PrometheusServer::RunPromtool(const std::string& openmetrics) {
  std::filesystem::path input = dir_.File("backfill.om");
  WriteFileOrThrow(input, openmetrics);
  ProcessOptions run;
  run.argv = {options_.promtool_binary,
              "tsdb",
              "create-blocks-from",
              "openmetrics",
              "--quiet",
              input.string(),
              data_dir_.string()};
  run.log_dir = log_dir_;
  Process promtool = Process::Start(run);
  std::optional<int> code = promtool.Wait(std::chrono::minutes(10));
  std::string log = promtool.ReadStderr();
  std::filesystem::remove(input);
  if (!code) {
    promtool.Terminate();
    throw std::runtime_error("promtool backfill timed out after 10 minutes");
  }
  if (*code != 0) {
    throw std::runtime_error("promtool backfill failed (exit " + std::to_string(*code) +
                             "): " + Tail(log, 20));
  }
}

void PrometheusServer::Backfill(const std::string& openmetrics) {
  if (running()) throw std::logic_error("PrometheusServer::Backfill needs a stopped server");
  RunPromtool(openmetrics);
}

bool PrometheusServer::running() { return process_.has_value() && process_->Running(); }

void PrometheusServer::Stop() {
  if (!process_) return;
  process_->Terminate(std::chrono::seconds(10));
  process_.reset();
}

void PrometheusServer::Start() {
  if (running()) return;
  ProcessOptions run;
  run.argv = {options_.prometheus_binary,
              "--config.file=" + config_file_.string(),
              "--storage.tsdb.path=" + data_dir_.string(),
              "--storage.tsdb.retention.time=" + options_.retention,
              "--web.listen-address=127.0.0.1:" + std::to_string(port_),
              "--web.enable-admin-api",
              "--log.level=info"};
  for (const std::string& arg : options_.extra_args) run.argv.push_back(arg);
  run.log_dir = log_dir_;
  process_ = Process::Start(run);
  HttpsRequest ready;
  ready.target = "/-/ready";
  bool exited = false;
  bool ok = WaitUntil(
      [&] {
        if (!process_->Running()) {
          exited = true;
          return true;
        }
        HttpsResult result = PlainHttpSend("127.0.0.1", port_, ready, std::chrono::seconds(2));
        return result.response && result.response->status == 200;
      },
      options_.ready_timeout, std::chrono::milliseconds(100));
  if (!ok || exited) {
    std::string why = exited ? "exited" : "was not ready in time";
    process_->Terminate();
    process_.reset();
    throw std::runtime_error("prometheus on port " + std::to_string(port_) + " " + why + ": " +
                             Tail(ReadLog(), 20));
  }
}

json PrometheusServer::GetJson(const std::string& target) const {
  HttpsRequest request;
  request.target = target;
  HttpsResult result = PlainHttpSend("127.0.0.1", port_, request, options_.query_timeout);
  if (!result.response) throw std::runtime_error("GET " + target + ": " + result.error);
  return result.response->Json();
}

std::vector<PromSample> PrometheusServer::QueryInstant(const std::string& promql,
                                                       std::optional<double> time) const {
  std::string target = "/api/v1/query?query=" + UrlEncode(promql);
  if (time) target += "&time=" + FormatSeconds(*time);
  json body = GetJson(target);
  std::vector<PromSample> samples;
  for (const json& item : Result(body, "vector", "query " + promql)) {
    PromSample sample;
    sample.labels = ParseLabels(item.at("metric"));
    sample.timestamp = item.at("value").at(0).get<double>();
    sample.value = ParseValue(item.at("value").at(1));
    samples.push_back(std::move(sample));
  }
  return samples;
}

std::vector<PromSeries> PrometheusServer::QueryRange(const std::string& promql, double start,
                                                     double end, double step_seconds) const {
  std::string target = "/api/v1/query_range?query=" + UrlEncode(promql) +
                       "&start=" + FormatSeconds(start) + "&end=" + FormatSeconds(end) +
                       "&step=" + FormatSeconds(step_seconds);
  json body = GetJson(target);
  std::vector<PromSeries> series;
  for (const json& item : Result(body, "matrix", "query_range " + promql)) {
    PromSeries s;
    s.labels = ParseLabels(item.at("metric"));
    for (const json& point : item.at("values")) {
      s.points.emplace_back(point.at(0).get<double>(), ParseValue(point.at(1)));
    }
    series.push_back(std::move(s));
  }
  return series;
}

std::optional<PromSample> PrometheusServer::WaitForSample(
    const std::string& promql, const std::function<bool(const PromSample&)>& predicate,
    std::chrono::milliseconds timeout) const {
  std::optional<PromSample> found;
  WaitUntil(
      [&] {
        try {
          for (const PromSample& sample : QueryInstant(promql)) {
            if (predicate(sample)) {
              found = sample;
              return true;
            }
          }
        } catch (const std::exception&) {
          // Not answering yet (e.g. restarting): try again.
        }
        return false;
      },
      timeout, std::chrono::milliseconds(200));
  return found;
}

std::string OpenMetricsText(const std::string& name, const std::string& type,
                            const std::vector<PromSeries>& series) {
  std::ostringstream out;
  // OpenMetrics names a counter family without its _total suffix.
  std::string family = name;
  if (type == "counter" && family.size() > 6 && family.ends_with("_total")) {
    family.resize(family.size() - 6);
  }
  out << "# TYPE " << family << ' ' << type << '\n';
  for (const PromSeries& s : series) {
    std::string prefix = name;
    if (!s.labels.empty()) {
      prefix += '{';
      bool first = true;
      for (const auto& [key, value] : s.labels) {
        if (!first) prefix += ',';
        first = false;
        prefix += key + "=\"" + EscapeLabelValue(value) + '"';
      }
      prefix += '}';
    }
    for (const auto& [t, v] : s.points) {
      out << prefix << ' ' << FormatPromValue(v) << ' ' << FormatSeconds(t) << '\n';
    }
  }
  out << "# EOF\n";
  return out.str();
}

}  // namespace prescale::testsupport
