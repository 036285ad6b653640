#include "apiserver/openapi.h"

#include <nlohmann/json.hpp>

#include "apiserver/digest.h"

namespace prescale::apiserver {
namespace generated {
extern const std::string kOpenApiV2;
extern const std::string kOpenApiV3;
extern const std::string kCustomOpenApiV2;
extern const std::string kCustomOpenApiV3V1beta2;
extern const std::string kCustomOpenApiV3V1beta1;
}  // namespace generated

namespace {

constexpr std::string_view kCustomV3Prefix = "/openapi/v3/apis/custom.metrics.k8s.io/";

std::string Compact(const std::string& json) { return nlohmann::json::parse(json).dump(); }

std::string WithCustomPaths() {
  nlohmann::json doc = nlohmann::json::parse(generated::kOpenApiV2);
  const nlohmann::json custom = nlohmann::json::parse(generated::kCustomOpenApiV2);
  doc["info"]["title"] = "prescale external and custom metrics APIs";
  for (const auto& [path, item] : custom["paths"].items()) doc["paths"][path] = item;
  for (const auto& [name, schema] : custom["definitions"].items())
    doc["definitions"][name] = schema;
  return doc.dump();
}

void AddToIndex(nlohmann::json* index, const std::string& group_version, const std::string& doc) {
  (*index)["paths"]["apis/" + group_version]["serverRelativeURL"] =
      "/openapi/v3/apis/" + group_version + "?hash=" + Sha512HexUpper(doc);
}

}  // namespace

const std::string& OpenApiV2(bool with_custom) {
  static const std::string doc = Compact(generated::kOpenApiV2);
  static const std::string with = WithCustomPaths();
  return with_custom ? with : doc;
}

const std::string& OpenApiV3Group() {
  static const std::string doc = Compact(generated::kOpenApiV3);
  return doc;
}

const std::string* OpenApiV3CustomGroup(std::string_view path) {
  static const std::string v1beta2 = Compact(generated::kCustomOpenApiV3V1beta2);
  static const std::string v1beta1 = Compact(generated::kCustomOpenApiV3V1beta1);
  if (path.substr(0, kCustomV3Prefix.size()) != kCustomV3Prefix) return nullptr;
  const std::string_view version = path.substr(kCustomV3Prefix.size());
  if (version == "v1beta2") return &v1beta2;
  if (version == "v1beta1") return &v1beta1;
  return nullptr;
}

const std::string& OpenApiV3Index(bool with_custom) {
  static const auto make = [](bool custom) {
    nlohmann::json index;
    AddToIndex(&index, "external.metrics.k8s.io/v1beta1", OpenApiV3Group());
    if (custom) {
      for (const char* version : {"v1beta2", "v1beta1"}) {
        AddToIndex(&index, std::string("custom.metrics.k8s.io/") + version,
                   *OpenApiV3CustomGroup(std::string(kCustomV3Prefix) + version));
      }
    }
    return index.dump();
  };
  static const std::string external_only = make(false);
  static const std::string both = make(true);
  return with_custom ? both : external_only;
}

}  // namespace prescale::apiserver
