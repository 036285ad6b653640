// The OpenAPI documents describing the external metrics group (apiserver/openapi/*.json,
// embedded at build time). Immutable; thread-safe.
#pragma once

#include <string>

namespace prescale::apiserver {

const std::string& OpenApiV2();
// GET /openapi/v3: the index pointing at the group's document, with its content hash.
const std::string& OpenApiV3Index();
// GET /openapi/v3/apis/external.metrics.k8s.io/v1beta1
const std::string& OpenApiV3Group();
inline constexpr const char* kOpenApiV3GroupPath =
    "/openapi/v3/apis/external.metrics.k8s.io/v1beta1";

}  // namespace prescale::apiserver
