// RFC 3339 timestamps in UTC, as Kubernetes and log readers expect them.
#pragma once

#include <string>

namespace prescale {

// "2025-06-01T12:00:00Z" for `unix_seconds` truncated to the second (how metav1.Time
// marshals), or with milliseconds, "2025-06-01T12:00:00.250Z", when `millis` is true and the
// time, rounded to the millisecond, has a fraction. Thread-safe (pure).
std::string FormatRfc3339(double unix_seconds, bool millis = false);

}  // namespace prescale
