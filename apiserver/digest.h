// Hex-encoded SHA-2 digests (cache keys that must not hold secrets, OpenAPI content hashes).
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace prescale::apiserver {

std::string Sha256Hex(std::string_view data);       // lowercase
std::string Sha512HexUpper(std::string_view data);  // uppercase, as the kube-apiserver
                                                    // names OpenAPI v3 documents

}  // namespace prescale::apiserver
