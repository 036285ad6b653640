#include "policies/described_object.h"

#include <array>

#include "common/names.h"

namespace prescale::policies {
namespace {

struct TableRow {
  std::string_view resource;
  KnownResource known;
};

constexpr std::array<TableRow, 13> kKnownResources = {{
    {"pods", {"Pod", "v1", true}},
    {"services", {"Service", "v1", true}},
    {"namespaces", {"Namespace", "v1", false}},
    {"nodes", {"Node", "v1", false}},
    {"persistentvolumeclaims", {"PersistentVolumeClaim", "v1", true}},
    {"deployments.apps", {"Deployment", "apps/v1", true}},
    {"statefulsets.apps", {"StatefulSet", "apps/v1", true}},
    {"replicasets.apps", {"ReplicaSet", "apps/v1", true}},
    {"daemonsets.apps", {"DaemonSet", "apps/v1", true}},
    {"jobs.batch", {"Job", "batch/v1", true}},
    {"cronjobs.batch", {"CronJob", "batch/v1", true}},
    {"ingresses.networking.k8s.io", {"Ingress", "networking.k8s.io/v1", true}},
    {"horizontalpodautoscalers.autoscaling", {"HorizontalPodAutoscaler", "autoscaling/v2", true}},
}};

}  // namespace

std::optional<KnownResource> LookUpResource(std::string_view resource) {
  for (const TableRow& row : kKnownResources) {
    if (row.resource == resource) return row.known;
  }
  return std::nullopt;
}

std::string ValidateResourceName(std::string_view resource) {
  const size_t dot = resource.find('.');
  const std::string_view plural = resource.substr(0, dot);
  if (!IsDns1123Label(plural))
    return "must be a plural resource name with its group, e.g. deployments.apps or pods";
  if (dot != std::string_view::npos && !IsDns1123Subdomain(resource.substr(dot + 1)))
    return "the group after the first '.' must be a DNS-1123 subdomain, e.g. apps";
  return "";
}

}  // namespace prescale::policies
