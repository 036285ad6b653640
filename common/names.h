// The name grammars prescale checks: Kubernetes namespaces, Prometheus label names and the
// metric names prescale serves. Linear, non-recursive checks (std::regex recurses per character
// in libstdc++, and a long name could overflow the stack). Pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace prescale {

// A DNS-1123 label, what a namespace name must be: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63.
bool IsDns1123Label(std::string_view s);

// A DNS-1123 subdomain, what most Kubernetes object names and API groups must be: DNS-1123
// labels joined by '.', at most 253 characters.
bool IsDns1123Subdomain(std::string_view s);

// A Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]*.
bool IsLabelName(std::string_view s);

// The metric names prescale serves (policy names and served metric names): [a-zA-Z_][a-zA-Z0-9_:]*,
// also a URL path segment of the external metrics API, of at most kMaxMetricNameBytes bytes (a
// Kubernetes object name's limit). "" when `name` is valid, else the reason (which does not
// quote the name).
inline constexpr size_t kMaxMetricNameBytes = 253;
std::string ValidateMetricName(std::string_view name);

}  // namespace prescale
