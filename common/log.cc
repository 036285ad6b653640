#include "common/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>

namespace prescale::log {
namespace {

spdlog::level::level_enum ToSpd(Level level) {
  switch (level) {
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarn:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

const char* Name(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

spdlog::logger& Logger() {
  static spdlog::logger* logger = [] {
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    auto* l = new spdlog::logger("prescale", sink);  // leaked on purpose: usable during exit
    l->set_pattern("%v");
    l->set_level(spdlog::level::info);
    l->flush_on(spdlog::level::debug);
    return l;
  }();
  return *logger;
}

Format current_format = Format::kJson;

std::string Timestamp() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t t = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

}  // namespace

void SetLevel(Level level) { Logger().set_level(ToSpd(level)); }

Level LevelForVerbosity(int v) { return v >= 4 ? Level::kDebug : Level::kInfo; }

void SetFormat(Format format) { current_format = format; }

bool ParseFormat(std::string_view text, Format* format) {
  if (text == "json") return *format = Format::kJson, true;
  if (text == "text") return *format = Format::kText, true;
  return false;
}

bool ParseLevel(std::string_view text, Level* level) {
  for (Level l : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError}) {
    if (text == Name(l)) {
      *level = l;
      return true;
    }
  }
  return false;
}

namespace {

nlohmann::ordered_json JsonValue(const Value& value) {
  return std::visit(
      [](auto v) -> nlohmann::ordered_json {
        using T = decltype(v);
        if constexpr (std::is_same_v<T, double>) {
          return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
        } else {
          return v;
        }
      },
      value);
}

std::string Dump(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// klog: Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg; here the pid and "prescale" stand for
// the thread and the source, and the message and fields are structured as klog's InfoS writes.
std::string TextLine(Level level, std::string_view message, Fields fields) {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto us = duration_cast<microseconds>(now.time_since_epoch()).count() % 1000000;
  const std::time_t t = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  const char severity = level == Level::kError ? 'E' : level == Level::kWarn ? 'W' : 'I';
  char head[64];
  std::snprintf(head, sizeof head, "%c%02d%02d %02d:%02d:%02d.%06d %7d prescale] ", severity,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(us),
                static_cast<int>(::getpid()));
  std::string line = head + Dump(std::string(message));
  for (const Field& f : fields) {
    line += ' ';
    line += f.key;
    line += '=';
    line += Dump(JsonValue(f.value));
  }
  return line;
}

}  // namespace

std::string FormatLine(Level level, std::string_view message, Fields fields) {
  if (current_format == Format::kText) return TextLine(level, message, fields);
  nlohmann::ordered_json line;
  line["ts"] = Timestamp();
  line["level"] = Name(level);
  line["msg"] = message;
  for (const Field& f : fields) line[std::string(f.key)] = JsonValue(f.value);
  return Dump(line);
}

void Write(Level level, std::string_view message, Fields fields) {
  spdlog::logger& logger = Logger();
  if (!logger.should_log(ToSpd(level))) return;
  logger.log(ToSpd(level), "{}", FormatLine(level, message, fields));
}

}  // namespace prescale::log
