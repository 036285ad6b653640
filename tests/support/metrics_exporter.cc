#include "tests/support/metrics_exporter.h"

#include <charconv>
#include <cmath>
#include <sstream>

namespace prescale::testsupport {

std::string FormatPromValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, end);
}

std::string EscapeLabelValue(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

MetricsExporter::MetricsExporter() {
  server_ = std::make_unique<PlainHttpServer>(
      [this](const ServerRequest& request) { return Handle(request); });
}

MetricsExporter::~MetricsExporter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  mode_changed_.notify_all();
  server_.reset();
}

int MetricsExporter::port() const { return server_->port(); }

std::string MetricsExporter::target() const { return "127.0.0.1:" + std::to_string(port()); }

void MetricsExporter::SetType(const std::string& name, const std::string& type) {
  std::lock_guard lock(mu_);
  types_[name] = type;
}

void MetricsExporter::Set(const std::string& name, const Labels& labels, double value) {
  std::lock_guard lock(mu_);
  samples_[name][labels] = value;
}

void MetricsExporter::Add(const std::string& name, const Labels& labels, double delta) {
  std::lock_guard lock(mu_);
  samples_[name][labels] += delta;
}

void MetricsExporter::Remove(const std::string& name, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto it = samples_.find(name);
  if (it == samples_.end()) return;
  it->second.erase(labels);
  if (it->second.empty()) samples_.erase(it);
}

void MetricsExporter::SetMode(Mode mode) {
  {
    std::lock_guard lock(mu_);
    mode_ = mode;
  }
  mode_changed_.notify_all();
}

std::string MetricsExporter::Render() const {
  std::lock_guard lock(mu_);
  std::ostringstream out;
  for (const auto& [name, series] : samples_) {
    auto type = types_.find(name);
    out << "# TYPE " << name << ' ' << (type == types_.end() ? "gauge" : type->second) << '\n';
    for (const auto& [labels, value] : series) {
      out << name;
      if (!labels.empty()) {
        out << '{';
        bool first = true;
        for (const auto& [key, label_value] : labels) {
          if (!first) out << ',';
          first = false;
          out << key << "=\"" << EscapeLabelValue(label_value) << '"';
        }
        out << '}';
      }
      out << ' ' << FormatPromValue(value) << '\n';
    }
  }
  return out.str();
}

ServerResponse MetricsExporter::Handle(const ServerRequest& request) {
  if (ParseTarget(request.target).path != "/metrics") return {404, {}, "not found\n"};
  scrapes_.fetch_add(1);
  Mode mode;
  {
    std::unique_lock lock(mu_);
    mode_changed_.wait(lock, [&] { return stopping_ || mode_ != Mode::kHang; });
    mode = mode_;
  }
  if (mode == Mode::kError500) return {500, {}, "exporter failing\n"};
  return {200, {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}}, Render()};
}

}  // namespace prescale::testsupport
