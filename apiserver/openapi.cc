#include "apiserver/openapi.h"

#include <openssl/sha.h>

#include <nlohmann/json.hpp>

namespace prescale::apiserver {
namespace generated {
extern const std::string kOpenApiV2;
extern const std::string kOpenApiV3;
}  // namespace generated

namespace {

std::string Compact(const std::string& json) { return nlohmann::json::parse(json).dump(); }

// The kube-apiserver's OpenAPI v3 index names each group document with a content hash
// (uppercase hex SHA-512) so clients can cache it.
std::string Sha512Hex(const std::string& data) {
  unsigned char digest[SHA512_DIGEST_LENGTH];
  SHA512(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

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
        std::string(kOpenApiV3GroupPath) + "?hash=" + Sha512Hex(OpenApiV3Group());
    return index.dump();
  }();
  return doc;
}

}  // namespace prescale::apiserver
