// The OpenAPI documents describing the external metrics group and, when served, the custom
// metrics group (apiserver/openapi/*.json, embedded at build time). Immutable; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace prescale::apiserver {

// GET /openapi/v2: one document; `with_custom` adds custom.metrics.k8s.io's paths.
const std::string& OpenApiV2(bool with_custom = false);
// GET /openapi/v3: the index pointing at each group-version's document, with its content hash.
const std::string& OpenApiV3Index(bool with_custom = false);
// GET /openapi/v3/apis/external.metrics.k8s.io/v1beta1
const std::string& OpenApiV3Group();
inline constexpr const char* kOpenApiV3GroupPath =
    "/openapi/v3/apis/external.metrics.k8s.io/v1beta1";
// GET /openapi/v3/apis/custom.metrics.k8s.io/<version> (v1beta2, v1beta1); nullptr for
// another path.
const std::string* OpenApiV3CustomGroup(std::string_view path);

}  // namespace prescale::apiserver
