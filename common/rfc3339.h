// RFC 3339 timestamps in UTC, as Kubernetes and log readers expect them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace prescale {

// "2025-06-01T12:00:00Z" for `unix_seconds` truncated to the second (how metav1.Time
// marshals), or with milliseconds, "2025-06-01T12:00:00.250Z", when `millis` is true and the
// time, rounded to the millisecond, has a fraction. Thread-safe (pure).
std::string FormatRfc3339(double unix_seconds, bool millis = false);

// Parses "2025-06-01T12:00:00Z", optionally with a fraction of a second and a numeric offset
// ("2025-06-01T14:00:00.5+02:00"; 't', 'z' and a space for 'T' accepted) into Unix seconds;
// nullopt when malformed or out of range. Thread-safe (pure).
std::optional<double> ParseRfc3339(std::string_view text);

}  // namespace prescale
