#include "common/names.h"

#include <algorithm>

namespace prescale {

bool IsDns1123Label(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alnum(c) || c == '-'; });
}

bool IsDns1123Subdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  while (true) {
    const size_t dot = s.find('.');
    const std::string_view part = s.substr(0, dot);
    if (part.empty() || !alnum(part.front()) || !alnum(part.back())) return false;
    if (!std::all_of(part.begin(), part.end(), [&](char c) { return alnum(c) || c == '-'; }))
      return false;
    if (dot == std::string_view::npos) return true;
    s.remove_prefix(dot + 1);
  }
}

namespace {

bool IsLetterOrUnderscore(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

}  // namespace

bool IsLabelName(std::string_view s) {
  if (s.empty() || !IsLetterOrUnderscore(s.front())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return IsLetterOrUnderscore(c) || (c >= '0' && c <= '9'); });
}

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
