#include "apiserver/openapi.h"

#include <nlohmann/json.hpp>

#include "apiserver/digest.h"

namespace prescale::apiserver {
namespace generated {
extern const std::string kOpenApiV2;
extern const std::string kOpenApiV3;
}  // namespace generated

namespace {

std::string Compact(const std::string& json) { return nlohmann::json::parse(json).dump(); }

}  // namespace

const std::string& OpenApiV2() {
  static const std::string doc = Compact(generated::kOpenApiV2);
  return doc;
}

const std::string& OpenApiV3Group() {
  static const std::string doc = Compact(generated::kOpenApiV3);
  return doc;
}

const std::string& OpenApiV3Index() {
  static const std::string doc = [] {
    nlohmann::json index;
    index["paths"]["apis/external.metrics.k8s.io/v1beta1"]["serverRelativeURL"] =
        std::string(kOpenApiV3GroupPath) + "?hash=" + Sha512HexUpper(OpenApiV3Group());
    return index.dump();
  }();
  return doc;
}

}  // namespace prescale::apiserver
