// The policy file's YAML walker (internal to policies/): typed reads of one document's fields
// that collect every problem as a ConfigError (`FILE:LINE:COLUMN: field: message`) instead of
// stopping at the first. Not thread-safe; one per parse.
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "common/duration.h"
#include "policies/policy_file.h"

namespace prescale::policies {

class YamlReader {
 public:
  explicit YamlReader(std::string file) : file_(std::move(file)) {}

  std::vector<ConfigError>& errors() { return errors_; }

  // Records `message` about `field` at the position of `node`.
  void Error(const YAML::Node& node, const std::string& field, const std::string& message);

  // Reports keys of `map` not in `allowed`.
  void CheckKeys(const YAML::Node& map, const std::string& path,
                 std::initializer_list<const char*> allowed);

  bool IsMap(const YAML::Node& node, const std::string& field);

  // map[key] as a non-empty string into *out (left unchanged when absent or invalid).
  void String(const YAML::Node& map, const std::string& path, const char* key, std::string* out,
              bool required = false);

  // map[key] as a duration into *out, > 0 when `positive`, at most `max` (when above zero).
  void Dur(const YAML::Node& map, const std::string& path, const char* key, Duration* out,
           bool positive = true, Duration max = Duration::zero());

  // A finite number / an int32 into *out; false (reported) otherwise.
  bool Number(const YAML::Node& node, const std::string& field, double* out);
  bool Int(const YAML::Node& node, const std::string& field, int* out);

  static std::string Join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

 private:
  std::string file_;
  std::vector<ConfigError> errors_;
};

}  // namespace prescale::policies
