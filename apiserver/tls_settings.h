// The TLS settings of the HTTPS server in Kubernetes' spellings: --tls-min-version
// (VersionTLS12, VersionTLS13) and --tls-cipher-suites (IANA names, as Go's crypto/tls and the
// kube-apiserver take them), turned into what OpenSSL takes. TLS below 1.2 and suites without
// forward secrecy or with broken ciphers (RC4, 3DES) are refused. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace prescale::apiserver {

struct TlsSettings {
  int min_version = 0;        // OpenSSL's TLS1_2_VERSION or TLS1_3_VERSION
  std::string tls12_ciphers;  // SSL_CTX_set_cipher_list form
  std::string tls13_ciphers;  // SSL_CTX_set_ciphersuites form; empty: OpenSSL's default
};

// Today's defaults: TLS 1.2, ECDHE with AES-GCM or ChaCha20-Poly1305, OpenSSL's TLS 1.3 suites.
TlsSettings DefaultTlsSettings();

// From the flags' values (`min_version` empty or `suites` empty: the default). nullopt and
// *error naming the flag and the offending value when one is unknown or refused.
std::optional<TlsSettings> ParseTlsSettings(const std::string& min_version,
                                            const std::vector<std::string>& suites,
                                            std::string* error);

// The IANA names --tls-cipher-suites accepts, for --help and errors.
std::vector<std::string> SupportedCipherSuites();

}  // namespace prescale::apiserver
