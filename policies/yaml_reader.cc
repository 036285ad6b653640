#include "policies/yaml_reader.h"

#include <cmath>
#include <cstdint>

namespace prescale::policies {

void YamlReader::Error(const YAML::Node& node, const std::string& field,
                       const std::string& message) {
  const YAML::Mark mark = node.Mark();
  const bool known = mark.line >= 0 && !mark.is_null();
  errors_.push_back(
      {file_, known ? mark.line + 1 : 0, known ? mark.column + 1 : 0, field, message});
}

void YamlReader::CheckKeys(const YAML::Node& map, const std::string& path,
                           std::initializer_list<const char*> allowed) {
  for (const auto& kv : map) {
    const std::string key = kv.first.Scalar();
    bool ok = false;
    for (const char* a : allowed) ok = ok || key == a;
    if (!ok) Error(kv.first, Join(path, key), "unknown key");
  }
}

bool YamlReader::IsMap(const YAML::Node& node, const std::string& field) {
  if (node.IsMap()) return true;
  Error(node, field, "must be a mapping");
  return false;
}

void YamlReader::String(const YAML::Node& map, const std::string& path, const char* key,
                        std::string* out, bool required) {
  const YAML::Node node = map[key];
  if (!node) {
    if (required) Error(map, Join(path, key), "is required");
    return;
  }
  if (!node.IsScalar() || node.Scalar().empty()) {
    Error(node, Join(path, key), "must be a non-empty string");
    return;
  }
  *out = node.Scalar();
}

void YamlReader::Dur(const YAML::Node& map, const std::string& path, const char* key, Duration* out,
                     bool positive, Duration max) {
  const YAML::Node node = map[key];
  if (!node) return;
  std::string error;
  std::optional<Duration> d;
  if (node.IsScalar()) d = ParseDuration(node.Scalar(), &error);
  if (!node.IsScalar()) error = "must be a duration such as 15s, 5m or 1h30m";
  if (!d) {
    Error(node, Join(path, key), error);
    return;
  }
  if (positive && d->count() <= 0) {
    Error(node, Join(path, key), "must be greater than 0");
    return;
  }
  if (max > Duration::zero() && *d > max) {
    Error(node, Join(path, key), "must be at most " + FormatDuration(max));
    return;
  }
  *out = *d;
}

bool YamlReader::Number(const YAML::Node& node, const std::string& field, double* out) {
  double v = 0;
  if (!node.IsScalar() || !YAML::convert<double>::decode(node, v) || !std::isfinite(v)) {
    Error(node, field, "must be a number");
    return false;
  }
  *out = v;
  return true;
}

bool YamlReader::Int(const YAML::Node& node, const std::string& field, int* out) {
  long long v = 0;
  if (!node.IsScalar() || !YAML::convert<long long>::decode(node, v) || v < INT32_MIN ||
      v > INT32_MAX) {
    Error(node, field, "must be an integer");
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

}  // namespace prescale::policies
