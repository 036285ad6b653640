#include "apiserver/tls_settings.h"

#include <openssl/ssl.h>

#include <string_view>

namespace prescale::apiserver {
namespace {

struct Suite {
  std::string_view iana;     // as Go's crypto/tls names it
  std::string_view openssl;  // as OpenSSL names it
  bool tls13;
};

// Go's crypto/tls CipherSuites() (secure ones) plus its two CHACHA20 aliases.
constexpr Suite kSuites[] = {
    {"TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", true},
    {"TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384", true},
    {"TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256", true},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256", false},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384", false},
    {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", false},
    {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384", false},
    {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305", false},
    {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "ECDHE-ECDSA-CHACHA20-POLY1305", false},
    {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305", false},
    {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "ECDHE-RSA-CHACHA20-POLY1305", false},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA", false},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA", false},
    {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA", false},
    {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA", false},
};

}  // namespace

TlsSettings DefaultTlsSettings() {
  // TLS 1.2 suites with forward secrecy and AEAD only (TLS 1.3 suites are all of that kind).
  return {TLS1_2_VERSION, "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL:!MD5:!SHA1", ""};
}

std::vector<std::string> SupportedCipherSuites() {
  std::vector<std::string> out;
  for (const Suite& s : kSuites) out.emplace_back(s.iana);
  return out;
}

std::optional<TlsSettings> ParseTlsSettings(const std::string& min_version,
                                            const std::vector<std::string>& suites,
                                            std::string* error) {
  TlsSettings settings = DefaultTlsSettings();
  if (min_version == "VersionTLS13") {
    settings.min_version = TLS1_3_VERSION;
  } else if (min_version == "VersionTLS10" || min_version == "VersionTLS11") {
    *error = "--tls-min-version " + min_version + ": prescale serves TLS 1.2 and 1.3 only";
    return std::nullopt;
  } else if (!min_version.empty() && min_version != "VersionTLS12") {
    *error = "--tls-min-version " + min_version + ": expected VersionTLS12 or VersionTLS13";
    return std::nullopt;
  }
  if (suites.empty()) return settings;
  std::string tls12, tls13;
  for (const std::string& name : suites) {
    const Suite* found = nullptr;
    for (const Suite& s : kSuites) {
      if (s.iana == name) found = &s;
    }
    if (!found) {
      *error = "--tls-cipher-suites: " + name +
               " is not supported (forward secrecy and a current cipher are required)";
      return std::nullopt;
    }
    std::string& list = found->tls13 ? tls13 : tls12;
    if (!list.empty()) list += ":";
    list += found->openssl;
  }
  if (!tls12.empty()) settings.tls12_ciphers = tls12;
  if (!tls13.empty()) settings.tls13_ciphers = tls13;
  if (tls12.empty() && settings.min_version < TLS1_3_VERSION) {
    *error =
        "--tls-cipher-suites names TLS 1.3 suites only: add TLS 1.2 suites or set "
        "--tls-min-version VersionTLS13";
    return std::nullopt;
  }
  return settings;
}

}  // namespace prescale::apiserver
