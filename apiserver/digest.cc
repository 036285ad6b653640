#include "apiserver/digest.h"

#include <openssl/sha.h>

namespace prescale::apiserver {
namespace {

std::string Hex(const unsigned char* bytes, size_t size, const char* alphabet) {
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(alphabet[bytes[i] >> 4]);
    out.push_back(alphabet[bytes[i] & 15]);
  }
  return out;
}

const unsigned char* Bytes(std::string_view data) {
  return reinterpret_cast<const unsigned char*>(data.data());
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(Bytes(data), data.size(), digest);
  return Hex(digest, sizeof digest, "0123456789abcdef");
}

std::string Sha512HexUpper(std::string_view data) {
  unsigned char digest[SHA512_DIGEST_LENGTH];
  SHA512(Bytes(data), data.size(), digest);
  return Hex(digest, sizeof digest, "0123456789ABCDEF");
}

}  // namespace prescale::apiserver
