#include "common/bearer_token.h"

#include <cctype>
#include <cstdio>
#include <fstream>
#include <iterator>

namespace prescale {

std::optional<std::string> ReadBearerToken(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (error) *error = "cannot read the token file " + path;
    return std::nullopt;
  }
  std::string token{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) {
    if (error) *error = "cannot read the token file " + path;
    return std::nullopt;
  }
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  for (size_t i = 0; i < token.size(); ++i) {
    const auto byte = static_cast<unsigned char>(token[i]);
    if (byte >= 0x20 && byte != 0x7F) continue;
    if (error) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", byte);
      *error = "the token file " + path + " holds a control character (byte " + hex +
               " at offset " + std::to_string(i) +
               "): a bearer token is one line of printable characters";
    }
    return std::nullopt;
  }
  return token;
}

}  // namespace prescale
