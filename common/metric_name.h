// The grammar of the metric names prescale serves (policy names and served metric names): a
// Prometheus-style identifier, [a-zA-Z_][a-zA-Z0-9_:]*, which is also a URL path segment of the
// external metrics API, of at most kMaxMetricNameBytes bytes (a Kubernetes object name's limit).
// A linear, non-recursive check (std::regex recurses per character in libstdc++ and a long name
// could overflow the stack). Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace prescale {

inline constexpr size_t kMaxMetricNameBytes = 253;

// "" when `name` is valid, else the reason (which does not quote the name).
std::string ValidateMetricName(std::string_view name);

}  // namespace prescale
