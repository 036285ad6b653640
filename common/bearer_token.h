// Bearer tokens kept in files (service-account tokens, --prometheus-token-file).
#pragma once

#include <optional>
#include <string>

namespace prescale {

// The token in `path` without trailing whitespace (files usually end in a newline). Returns
// nullopt if the file cannot be read, or if what remains holds a control character (a byte below
// 0x20, or 0x7F: CR, LF, NUL, TAB...), which could split or forge the HTTP header it is sent in;
// then *error (when not null) names the file and the offending byte's offset, never the token.
// An empty file is an empty token. Reads the file on every call; callers that poll cache by
// stamp. Thread-safe.
std::optional<std::string> ReadBearerToken(const std::string& path, std::string* error = nullptr);

}  // namespace prescale
