// Reading a policy's `object` key (internal to policies/): the object its series describe in the
// custom metrics API. Every problem is reported through the YamlReader with its position.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "policies/described_object.h"
#include "policies/yaml_reader.h"

namespace prescale::policies {

// Reads `node` (the value of `object`) at `path` (e.g. "policies[0].object") into *out.
//   object:
//     resource: deployments.apps      # required: plural[.group], as the API's paths name it
//     kind: Deployment                # optional for well-known resources (LookUpResource)
//     apiVersion: apps/v1             # likewise
//     namespace: trading              # or {label: namespace}; absent: cluster-scoped
//     name: order-gateway             # or {label: deployment}; required
void ReadDescribedObject(YamlReader& r, const YAML::Node& node, const std::string& path,
                         DescribedObject* out);

}  // namespace prescale::policies
