// Reading and validating the policy file (YAML). Errors carry file, line and column so that
// `prescale check-config` can print `FILE:LINE:COLUMN: field: message`. Thread-safe (pure).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policies/policy.h"

namespace prescale::policies {

struct ConfigError {
  std::string file;
  int line = 0;       // 1-based; 0 when the problem has no position (e.g. unreadable file)
  int column = 0;     // 1-based
  std::string field;  // dotted path, e.g. "policies[0].quantile"
  std::string message;

  // "FILE:LINE:COLUMN: field: message"
  std::string ToString() const;
};

struct LoadResult {
  std::optional<Config> config;     // set only when `errors` is empty
  std::vector<ConfigError> errors;  // every problem found, in file order
};

// Parses YAML text; `file_name` is used in error messages only.
LoadResult ParseConfig(std::string_view yaml_text, const std::string& file_name);

// Reads and parses a file. An unreadable file is one error with line 0.
LoadResult LoadConfigFile(const std::string& path);

}  // namespace prescale::policies
