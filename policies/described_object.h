// Which Kubernetes object a policy's series describe, for the custom metrics API
// (custom.metrics.k8s.io): the policy key `object`. Either a static object (every series of the
// policy is summed into it) or the object's name, and namespace, taken from series labels, as
// prometheus-adapter's `resources.overrides` does. Plain values; pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace prescale::policies {

struct DescribedObject {
  std::string resource;     // plural resource and group as the API's paths name it:
                            // "deployments.apps", "pods", "namespaces"
  std::string kind;         // "Deployment"
  std::string api_version;  // "apps/v1"
  // The namespace: a fixed one, or the value of a series label. Both empty: a cluster-scoped
  // object (e.g. nodes, namespaces).
  std::string ns;
  std::string namespace_label;
  // The object's name: a fixed one (all series summed), or the value of a series label.
  std::string name;
  std::string name_label;

  bool namespaced() const { return !ns.empty() || !namespace_label.empty(); }
  bool operator==(const DescribedObject&) const = default;
};

// What Kubernetes says of a well-known resource (core and apps kinds): its kind, apiVersion and
// scope. nullopt for a resource not in the table (the policy must then name kind and apiVersion).
struct KnownResource {
  std::string_view kind;
  std::string_view api_version;
  bool namespaced;
};
std::optional<KnownResource> LookUpResource(std::string_view resource);

// "" when `resource` is a valid `plural[.group]` (a DNS-1123 label, then a DNS-1123 subdomain),
// else the reason.
std::string ValidateResourceName(std::string_view resource);

}  // namespace prescale::policies
