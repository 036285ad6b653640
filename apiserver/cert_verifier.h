// Verifies a TLS client's certificate chain against the two CAs an aggregated API server trusts:
// --client-ca-file (ordinary users: CN = user, O = groups) and --requestheader-client-ca-file
// (the kube-apiserver's front proxy, whose CN must be in --requestheader-allowed-names when that
// list is non-empty). Both require the clientAuth key usage and a valid time. Immutable after
// construction; thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "apiserver/http_types.h"

typedef struct x509_st X509;
typedef struct x509_store_st X509_STORE;
struct stack_st_X509;

namespace prescale::apiserver {

// The notAfter of `cert` in Unix seconds; 0 if it cannot be read.
double CertificateNotAfter(const X509* cert);

class CertificateVerifier {
 public:
  // Empty paths disable that kind of certificate. Throws std::runtime_error naming the file when
  // a CA file cannot be read or holds no certificate.
  CertificateVerifier(const std::string& client_ca_file, const std::string& front_proxy_ca_file,
                      std::vector<std::string> allowed_front_proxy_names);
  // Same, from PEM text instead of files (the extension-apiserver-authentication ConfigMap);
  // errors name the bundles by `client_ca_label` and `front_proxy_ca_label`.
  static std::unique_ptr<CertificateVerifier> FromPem(
      const std::string& client_ca_pem, const std::string& front_proxy_ca_pem,
      std::vector<std::string> allowed_names, const std::string& client_ca_label = "client-ca-file",
      const std::string& front_proxy_ca_label = "requestheader-client-ca-file");
  ~CertificateVerifier();
  CertificateVerifier(const CertificateVerifier&) = delete;
  CertificateVerifier& operator=(const CertificateVerifier&) = delete;

  // `leaf` may be null (no certificate). `chain` holds the intermediates the peer sent, may be
  // null. Neither is retained.
  ClientCertificate Verify(X509* leaf, stack_st_X509* chain) const;

 private:
  CertificateVerifier() = default;
  X509_STORE* client_ca_ = nullptr;
  X509_STORE* front_proxy_ca_ = nullptr;
  std::vector<std::string> allowed_names_;
};

}  // namespace prescale::apiserver
