// Durations written the way Prometheus and Kubernetes write them: "500ms", "15s", "5m", "2h",
// "1d", "1w", "1y", and compounds in descending order such as "1h30m".
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace prescale {

using Duration = std::chrono::milliseconds;

// Parses `text`; returns nullopt and sets *error (if given) on anything malformed, negative or
// out of range. "0" and "0s" are zero. Thread-safe (pure).
std::optional<Duration> ParseDuration(std::string_view text, std::string* error = nullptr);

// `d` in seconds, e.g. for arithmetic on a step grid.
inline double ToSeconds(Duration d) { return std::chrono::duration<double>(d).count(); }

// The shortest Prometheus spelling of `d`, e.g. 90s -> "1m30s", 0 -> "0s".
std::string FormatDuration(Duration d);

}  // namespace prescale
