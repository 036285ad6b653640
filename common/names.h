// The name grammars prescale checks in more than one place: Kubernetes namespaces and Prometheus
// label names. Pure functions.
#pragma once

#include <string_view>

namespace prescale {

// A DNS-1123 label, what a namespace name must be: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63.
bool IsDns1123Label(std::string_view s);

// A Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]*.
bool IsLabelName(std::string_view s);

}  // namespace prescale
