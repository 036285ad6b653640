#include "common/names.h"

#include <algorithm>

namespace prescale {

bool IsDns1123Label(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alnum(c) || c == '-'; });
}

bool IsLabelName(std::string_view s) {
  const auto first = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  if (s.empty() || !first(s.front())) return false;
  return std::all_of(s.begin(), s.end(),
                     [&](char c) { return first(c) || (c >= '0' && c <= '9'); });
}

}  // namespace prescale
