// Structured logging: one line per event on stderr, a JSON object by default, e.g.
//   {"ts":"2026-11-27T09:29:30.125Z","level":"info","msg":"snapshot published","metrics":4}
// or klog's text form (--logging-format=text, as Kubernetes components write it), e.g.
//   I1127 09:29:30.125000   4242 prescale] "snapshot published" metrics=4
// Thread-safe. Never log secrets (tokens, keys): callers pass only what an operator may read.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace prescale::log {

enum class Level { kDebug, kInfo, kWarn, kError };

using Value = std::variant<std::string_view, int64_t, double, bool>;

struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  template <typename I>
  requires std::is_integral_v<I> Field(std::string_view k, I v)
      : key(k), value(static_cast<int64_t>(v)) {}
  std::string_view key;
  Value value;
};

using Fields = std::initializer_list<Field>;

enum class Format { kJson, kText };

// Lines below `level` are dropped. Default: info.
void SetLevel(Level level);
// Parses "debug", "info", "warn", "error"; returns false on anything else.
bool ParseLevel(std::string_view text, Level* level);
// klog's verbosity (--v): 4 and more is debug, less is info.
Level LevelForVerbosity(int v);

// Default: JSON. Set once at start-up, before other threads log.
void SetFormat(Format format);
// Parses "json" and "text"; returns false on anything else.
bool ParseFormat(std::string_view text, Format* format);

void Write(Level level, std::string_view message, Fields fields = {});

inline void Debug(std::string_view m, Fields f = {}) { Write(Level::kDebug, m, f); }
inline void Info(std::string_view m, Fields f = {}) { Write(Level::kInfo, m, f); }
inline void Warn(std::string_view m, Fields f = {}) { Write(Level::kWarn, m, f); }
inline void Error(std::string_view m, Fields f = {}) { Write(Level::kError, m, f); }

// Formats one line without writing it (for tests).
std::string FormatLine(Level level, std::string_view message, Fields fields);

}  // namespace prescale::log
