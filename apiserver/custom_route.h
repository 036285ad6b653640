// The routes of the custom metrics API under /apis/custom.metrics.k8s.io/<version>/, as
// custom-metrics-apiserver installs them (installer/cmhandlers.go):
//   namespaces/{ns}/{resource}/{name}/{metric}   a namespaced object ("*": by labelSelector)
//   {resource}/{name}/{metric}                   a cluster-scoped object
//   namespaces/{ns}/metrics/{metric}             the namespace object itself
// Pure functions.
#pragma once

#include <optional>
#include <string>

#include "apiserver/request_info.h"

namespace prescale::apiserver {

struct CustomRoute {
  std::string version;
  std::string resource;  // "deployments.apps"; "namespaces" for the namespace route
  std::string ns;        // empty for cluster-scoped objects
  std::string name;      // "*": every object
  std::string metric;
};

// The value route of a resource request in the custom group (info.group must be it), or nullopt
// when the path has another shape or an empty segment (404, like an unknown path).
std::optional<CustomRoute> ParseCustomRoute(const RequestInfo& info);

}  // namespace prescale::apiserver
