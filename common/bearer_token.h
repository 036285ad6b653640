// Bearer tokens kept in files (service-account tokens, --prometheus-token-file).
#pragma once

#include <optional>
#include <string>

namespace prescale {

// The token in `path` without trailing whitespace (files usually end in a newline), or nullopt
// if the file cannot be read. Reads the file on every call; callers that poll cache by mtime.
// Thread-safe.
std::optional<std::string> ReadBearerToken(const std::string& path);

}  // namespace prescale
