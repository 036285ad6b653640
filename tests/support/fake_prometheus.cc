#include "tests/support/fake_prometheus.h"

#include <strings.h>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>

namespace prescale::testsupport {

namespace {

using nlohmann::json;

constexpr size_t kLogLimit = 1000;
constexpr double kMaxPoints = 11000;  // Prometheus' limit per series and query

// Whole seconds as an integer (as Prometheus prints them), otherwise a float.
json TimeJson(double t) {
  if (t == std::floor(t) && std::fabs(t) < 9e15) return static_cast<int64_t>(t);
  return t;
}

std::optional<double> ParseNumber(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

double NowSeconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

ServerResponse JsonResponse(int status, const std::string& body) {
  return {status, {{"Content-Type", "application/json"}}, body};
}

json SuccessBody(const std::string& type, json result) {
  return {{"status", "success"}, {"data", {{"resultType", type}, {"result", std::move(result)}}}};
}

json LabelsJson(const Labels& labels) {
  json object = json::object();
  for (const auto& [key, value] : labels) object[key] = value;
  return object;
}

// kNaN mode: point i is replaced by NaN or +Inf on a fixed pattern.
std::string PointValue(double value, size_t index, bool nan_mode) {
  if (nan_mode && index % 4 == 3) return "NaN";
  if (nan_mode && index % 7 == 6) return "+Inf";
  return FormatPromValue(value);
}

}  // namespace

std::string PrometheusErrorJson(const std::string& type, const std::string& message) {
  return json{{"status", "error"}, {"errorType", type}, {"error", message}}.dump();
}

std::optional<double> ParseStepSeconds(const std::string& text) {
  if (auto number = ParseNumber(text)) return number;
  if (text.empty()) return std::nullopt;
  static const std::vector<std::pair<std::string, double>> kUnits = {
      {"ms", 0.001}, {"s", 1},      {"m", 60},      {"h", 3600},
      {"d", 86400},  {"w", 604800}, {"y", 31536000}};
  double total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t digits = i;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
    if (digits == i) return std::nullopt;
    double amount = std::stod(text.substr(i, digits - i));
    bool matched = false;
    for (const auto& [unit, seconds] : kUnits) {
      if (text.compare(digits, unit.size(), unit) == 0 &&
          !(unit == "m" && text.compare(digits, 2, "ms") == 0)) {
        total += amount * seconds;
        i = digits + unit.size();
        matched = true;
        break;
      }
    }
    if (!matched) return std::nullopt;
  }
  return total;
}

std::string FakeRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() && strncasecmp(key.data(), name.data(), name.size()) == 0)
      return value;
  }
  return "";
}

FakePrometheus::FakePrometheus() {
  series_.push_back({{{"venue", "xnas"}}, [](double) { return 100.0; }});
  server_ = std::make_unique<PlainHttpServer>(
      [this](const ServerRequest& request) { return Handle(request); });
}

FakePrometheus::FakePrometheus(const FakePrometheusTls& tls) {
  series_.push_back({{{"venue", "xnas"}}, [](double) { return 100.0; }});
  TlsHttpServerOptions options;
  options.cert_file = tls.cert_file;
  options.key_file = tls.key_file;
  options.client_ca_file = tls.client_ca_file;
  options.require_client_certificate = !tls.client_ca_file.empty();
  tls_server_ = std::make_unique<TlsHttpServer>(
      options, [this](const ServerRequest& request) { return Handle(request); });
}

FakePrometheus::~FakePrometheus() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  server_.reset();
  tls_server_.reset();
}

int FakePrometheus::port() const { return server_ ? server_->port() : tls_server_->port(); }
std::string FakePrometheus::url() const {
  return server_ ? server_->url() : "https://127.0.0.1:" + std::to_string(tls_server_->port());
}

void FakePrometheus::SetPathPrefix(std::string prefix) {
  std::lock_guard lock(mu_);
  prefix_ = std::move(prefix);
}

void FakePrometheus::RequireHeader(std::string name, std::string value) {
  std::lock_guard lock(mu_);
  required_.emplace_back(std::move(name), std::move(value));
}

void FakePrometheus::SetMode(Mode mode) {
  std::lock_guard lock(mu_);
  mode_ = mode;
}

FakePrometheus::Mode FakePrometheus::mode() const {
  std::lock_guard lock(mu_);
  return mode_;
}

void FakePrometheus::SetSlowDelay(std::chrono::milliseconds delay) {
  std::lock_guard lock(mu_);
  slow_delay_ = delay;
}

void FakePrometheus::SetSeries(std::vector<FakeSeries> series) {
  std::lock_guard lock(mu_);
  series_ = std::move(series);
}

void FakePrometheus::SetMatrix(std::optional<nlohmann::json> result) {
  std::lock_guard lock(mu_);
  matrix_ = std::move(result);
}

FakeRequest FakePrometheus::last_request() const {
  std::lock_guard lock(mu_);
  return log_.empty() ? FakeRequest{} : log_.back();
}

std::vector<FakeRequest> FakePrometheus::request_log() const {
  std::lock_guard lock(mu_);
  return {log_.begin(), log_.end()};
}

ServerResponse FakePrometheus::Handle(const ServerRequest& request) {
  ParsedTarget target = ParseTarget(request.target);
  FakeRequest recorded{request.method, target.path,     target.params,
                       request.target, request.headers, request.peer};
  if (request.method == "POST") {
    for (auto& [key, value] : ParseFormEncoded(request.body)) recorded.params[key] = value;
  }
  requests_.fetch_add(1);
  Mode mode;
  std::chrono::milliseconds delay;
  HeaderList required;
  bool prefixed;
  {
    std::lock_guard lock(mu_);
    prefixed = recorded.path.starts_with(prefix_);
    if (prefixed) recorded.path.erase(0, prefix_.size());
    log_.push_back(recorded);
    if (log_.size() > kLogLimit) log_.pop_front();
    mode = mode_;
    delay = slow_delay_;
    required = required_;
  }
  if (!prefixed || (recorded.path != "/api/v1/query_range" && recorded.path != "/api/v1/query")) {
    return JsonResponse(404, PrometheusErrorJson("not_found", "fake: unknown path"));
  }
  for (const auto& [name, value] : required) {
    if (recorded.Header(name) != value)
      return JsonResponse(401, PrometheusErrorJson("unauthorized", "fake: missing " + name));
  }
  if (request.method != "GET" && request.method != "POST") {
    return JsonResponse(405, PrometheusErrorJson("bad_data", "method not allowed"));
  }
  switch (mode) {
    case Mode::kGarbage:
      return JsonResponse(
          200, R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{"ven)");
    case Mode::kHttp5xx:
      return JsonResponse(503, PrometheusErrorJson("unavailable", "fake: service unavailable"));
    case Mode::kHttp4xx:
      return JsonResponse(400, PrometheusErrorJson("bad_data", "fake: bad query"));
    case Mode::kSlow: {
      std::unique_lock lock(mu_);
      stop_cv_.wait_for(lock, delay, [&] { return stopping_; });
      if (stopping_) return JsonResponse(503, PrometheusErrorJson("unavailable", "stopping"));
      break;
    }
    case Mode::kPassThrough:
    case Mode::kNaN:
      break;
  }
  return Answer(recorded, mode == Mode::kNaN);
}

ServerResponse FakePrometheus::Answer(const FakeRequest& request, bool nan_mode) {
  std::vector<FakeSeries> series;
  std::optional<json> matrix;
  {
    std::lock_guard lock(mu_);
    series = series_;
    matrix = matrix_;
  }
  auto param = [&](const char* name) -> std::string {
    auto it = request.params.find(name);
    return it == request.params.end() ? "" : it->second;
  };
  if (param("query").empty()) {
    return JsonResponse(400, PrometheusErrorJson("bad_data", "invalid parameter \"query\""));
  }
  if (request.path == "/api/v1/query") {
    double t = NowSeconds();
    if (!param("time").empty()) {
      auto parsed = ParseNumber(param("time"));
      if (!parsed) {
        return JsonResponse(400, PrometheusErrorJson("bad_data", "invalid parameter \"time\""));
      }
      t = *parsed;
    }
    json result = json::array();
    if (matrix) {
      for (const json& s : *matrix) {
        if (!s.contains("values") || s["values"].empty()) continue;
        result.push_back(
            {{"metric", s.value("metric", json::object())}, {"value", s["values"].back()}});
      }
    } else {
      size_t index = 0;
      for (const FakeSeries& s : series) {
        double v = s.value(t);
        if (std::isnan(v)) continue;
        result.push_back({{"metric", LabelsJson(s.labels)},
                          {"value", {TimeJson(t), PointValue(v, index++, nan_mode)}}});
      }
    }
    return JsonResponse(200, SuccessBody("vector", std::move(result)).dump());
  }
  if (matrix) return JsonResponse(200, SuccessBody("matrix", *matrix).dump());
  auto start = ParseNumber(param("start"));
  auto end = ParseNumber(param("end"));
  auto step = ParseStepSeconds(param("step"));
  if (!start)
    return JsonResponse(400, PrometheusErrorJson("bad_data", "invalid parameter \"start\""));
  if (!end) return JsonResponse(400, PrometheusErrorJson("bad_data", "invalid parameter \"end\""));
  if (*end < *start) {
    return JsonResponse(
        400, PrometheusErrorJson("bad_data", "end timestamp must not be before start time"));
  }
  if (!step || *step <= 0) {
    return JsonResponse(400, PrometheusErrorJson("bad_data",
                                                 "zero or negative query resolution step widths "
                                                 "are not accepted. Try a positive integer"));
  }
  if ((*end - *start) / *step > kMaxPoints) {
    return JsonResponse(400, PrometheusErrorJson("bad_data",
                                                 "exceeded maximum resolution of 11,000 points per "
                                                 "timeseries. Try decreasing the query resolution "
                                                 "(?step=XX)"));
  }
  json result = json::array();
  for (const FakeSeries& s : series) {
    json values = json::array();
    size_t index = 0;
    for (int64_t k = 0; *start + k * *step <= *end + 1e-9; ++k) {
      double t = *start + k * *step;
      double v = s.value(t);
      if (std::isnan(v)) continue;
      values.push_back({TimeJson(t), PointValue(v, index++, nan_mode)});
    }
    if (!values.empty()) {
      result.push_back({{"metric", LabelsJson(s.labels)}, {"values", std::move(values)}});
    }
  }
  return JsonResponse(200, SuccessBody("matrix", std::move(result)).dump());
}

}  // namespace prescale::testsupport
