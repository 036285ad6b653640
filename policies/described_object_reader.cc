#include "policies/described_object_reader.h"

#include "common/names.h"

namespace prescale::policies {
namespace {

// A fixed value or {label: NAME}: sets *fixed or *label. `valid` checks a fixed value.
void ReadValueOrLabel(YamlReader& r, const YAML::Node& map, const std::string& path,
                      const char* key, bool (*valid)(std::string_view), const char* what,
                      std::string* fixed, std::string* label) {
  const YAML::Node node = map[key];
  const std::string field = path + "." + key;
  if (node.IsMap()) {
    r.CheckKeys(node, field, {"label"});
    r.String(node, field, "label", label, /*required=*/true);
    if (node["label"] && !label->empty() && !IsLabelName(*label))
      r.Error(node["label"], field + ".label", "must be a label name ([a-zA-Z_][a-zA-Z0-9_]*)");
    return;
  }
  if (!node.IsScalar() || !valid(node.Scalar())) {
    r.Error(node, field, std::string("must be ") + what + " or {label: LABEL}");
    return;
  }
  *fixed = node.Scalar();
}

bool ValidApiVersion(const std::string& v) {
  const size_t slash = v.find('/');
  if (slash == std::string::npos) return IsDns1123Label(v);
  return IsDns1123Subdomain(v.substr(0, slash)) && IsDns1123Label(v.substr(slash + 1));
}

bool ValidKind(const std::string& k) {
  if (k.empty() || k.size() > 63 || k.front() < 'A' || k.front() > 'Z') return false;
  for (const char c : k) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

// The group of `plural.group` ("" for the core group) and of an apiVersion `group/version`.
std::string ResourceGroup(const std::string& resource) {
  const size_t dot = resource.find('.');
  return dot == std::string::npos ? "" : resource.substr(dot + 1);
}
std::string ApiVersionGroup(const std::string& api_version) {
  const size_t slash = api_version.find('/');
  return slash == std::string::npos ? "" : api_version.substr(0, slash);
}

void CheckKindAndScope(YamlReader& r, const YAML::Node& node, const std::string& path,
                       DescribedObject* out) {
  const std::optional<KnownResource> known = LookUpResource(out->resource);
  if (known) {
    if (out->kind.empty()) out->kind = known->kind;
    if (out->api_version.empty()) out->api_version = known->api_version;
    if (known->namespaced && !node["namespace"])
      r.Error(node, path + ".namespace", out->resource + " are namespaced: namespace is required");
    if (!known->namespaced && out->namespaced())
      r.Error(node["namespace"], path + ".namespace",
              out->resource + " are cluster-scoped: remove namespace");
  } else if (node["resource"] && (out->kind.empty() || out->api_version.empty())) {
    r.Error(node, path + ".kind",
            "kind and apiVersion are required for resource " + out->resource +
                " (known without them: pods, deployments.apps, statefulsets.apps, ...)");
  }
  if (!out->api_version.empty() &&
      ResourceGroup(out->resource) != ApiVersionGroup(out->api_version))
    r.Error(node["apiVersion"] ? node["apiVersion"] : node, path + ".apiVersion",
            "the group of " + out->api_version + " is not the group of resource " + out->resource);
}

}  // namespace

void ReadDescribedObject(YamlReader& r, const YAML::Node& node, const std::string& path,
                         DescribedObject* out) {
  if (!r.IsMap(node, path)) return;
  r.CheckKeys(node, path, {"resource", "kind", "apiVersion", "namespace", "name"});
  r.String(node, path, "resource", &out->resource, /*required=*/true);
  bool resource_ok = false;
  if (node["resource"] && !out->resource.empty()) {
    const std::string why = ValidateResourceName(out->resource);
    if (!why.empty()) r.Error(node["resource"], path + ".resource", why);
    resource_ok = why.empty();
  }
  r.String(node, path, "kind", &out->kind);
  if (node["kind"] && !ValidKind(out->kind))
    r.Error(node["kind"], path + ".kind", "must be a Kubernetes kind such as Deployment");
  r.String(node, path, "apiVersion", &out->api_version);
  if (node["apiVersion"] && !ValidApiVersion(out->api_version))
    r.Error(node["apiVersion"], path + ".apiVersion", "must be VERSION or GROUP/VERSION");
  if (node["namespace"]) {
    ReadValueOrLabel(r, node, path, "namespace", IsDns1123Label, "a namespace name", &out->ns,
                     &out->namespace_label);
  }
  if (!node["name"]) {
    r.Error(node, path + ".name", "is required (an object name or {label: LABEL})");
  } else {
    ReadValueOrLabel(r, node, path, "name", IsDns1123Subdomain, "an object name", &out->name,
                     &out->name_label);
  }
  if (resource_ok) CheckKindAndScope(r, node, path, out);
}

}  // namespace prescale::policies
