// Reading a whole file into memory. Thread-safe.
#pragma once

#include <optional>
#include <string>

namespace prescale {

// The bytes of the file at `path`, or nullopt when it cannot be opened or read.
std::optional<std::string> ReadFile(const std::string& path);

}  // namespace prescale
