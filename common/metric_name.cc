#include "common/metric_name.h"

namespace prescale {
namespace {

bool IsLetterOrUnderscore(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

}  // namespace

std::string ValidateMetricName(std::string_view name) {
  constexpr const char* kGrammar = "must match [a-zA-Z_][a-zA-Z0-9_:]*";
  if (name.empty()) return kGrammar;
  if (name.size() > kMaxMetricNameBytes)
    return "is " + std::to_string(name.size()) + " characters long, at most " +
           std::to_string(kMaxMetricNameBytes);
  if (!IsLetterOrUnderscore(name.front())) return kGrammar;
  for (const char c : name.substr(1)) {
    if (!IsLetterOrUnderscore(c) && !(c >= '0' && c <= '9') && c != ':') return kGrammar;
  }
  return "";
}

}  // namespace prescale
