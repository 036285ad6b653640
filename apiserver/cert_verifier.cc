#include "apiserver/cert_verifier.h"

#include "common/read_file.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace prescale::apiserver {
namespace {

std::string ReadFileOrThrow(const std::string& path) {
  std::optional<std::string> text = ReadFile(path);
  if (!text) throw std::runtime_error("cannot read " + path);
  return std::move(*text);
}

// A store holding every certificate of a PEM bundle; null for empty input.
X509_STORE* StoreFromPem(const std::string& pem, const std::string& what) {
  if (pem.empty()) return nullptr;
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509_STORE* store = X509_STORE_new();
  int count = 0;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(store, cert);
    X509_free(cert);
    ++count;
  }
  ERR_clear_error();
  BIO_free(bio);
  if (count == 0) {
    X509_STORE_free(store);
    throw std::runtime_error(what + " holds no PEM certificate");
  }
  return store;
}

std::string NameEntry(X509_NAME* name, int nid, int index) {
  X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, index);
  if (!entry) return "";
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
  if (len < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

// Empty on success, else why the chain does not verify against `store`; *expired when the
// reason is a certificate's validity period.
std::string VerifyChain(X509_STORE* store, X509* leaf, stack_st_X509* chain, bool* expired) {
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf, chain);
  X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
  const int ok = X509_verify_cert(ctx);
  std::string error;
  if (ok != 1) {
    const int code = X509_STORE_CTX_get_error(ctx);
    error = X509_verify_cert_error_string(code);
    if (code == X509_V_ERR_CERT_HAS_EXPIRED || code == X509_V_ERR_CERT_NOT_YET_VALID)
      *expired = true;
  }
  X509_STORE_CTX_free(ctx);
  ERR_clear_error();
  return error;
}

}  // namespace

double CertificateNotAfter(const X509* cert) {
  std::tm tm{};
  if (!cert || ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1) return 0;
  return static_cast<double>(timegm(&tm));
}

CertificateVerifier::CertificateVerifier(const std::string& client_ca_file,
                                         const std::string& front_proxy_ca_file,
                                         std::vector<std::string> allowed_front_proxy_names)
    : allowed_names_(std::move(allowed_front_proxy_names)) {
  if (!client_ca_file.empty())
    client_ca_ =
        StoreFromPem(ReadFileOrThrow(client_ca_file), "--client-ca-file " + client_ca_file);
  if (!front_proxy_ca_file.empty())
    front_proxy_ca_ = StoreFromPem(ReadFileOrThrow(front_proxy_ca_file),
                                   "--requestheader-client-ca-file " + front_proxy_ca_file);
}

std::unique_ptr<CertificateVerifier> CertificateVerifier::FromPem(
    const std::string& client_ca_pem, const std::string& front_proxy_ca_pem,
    std::vector<std::string> allowed_names, const std::string& client_ca_label,
    const std::string& front_proxy_ca_label) {
  std::unique_ptr<CertificateVerifier> v(new CertificateVerifier());
  v->client_ca_ = StoreFromPem(client_ca_pem, client_ca_label);
  v->front_proxy_ca_ = StoreFromPem(front_proxy_ca_pem, front_proxy_ca_label);
  v->allowed_names_ = std::move(allowed_names);
  return v;
}

CertificateVerifier::~CertificateVerifier() {
  if (client_ca_) X509_STORE_free(client_ca_);
  if (front_proxy_ca_) X509_STORE_free(front_proxy_ca_);
}

ClientCertificate CertificateVerifier::Verify(X509* leaf, stack_st_X509* chain) const {
  ClientCertificate result;
  if (!leaf) return result;
  result.present = true;
  result.not_after = CertificateNotAfter(leaf);
  X509_NAME* subject = X509_get_subject_name(leaf);
  const int cn = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (cn >= 0) result.common_name = NameEntry(subject, NID_commonName, cn);
  for (int i = -1; (i = X509_NAME_get_index_by_NID(subject, NID_organizationName, i)) >= 0;)
    result.organizations.push_back(NameEntry(subject, NID_organizationName, i));

  std::vector<std::string> errors;
  if (front_proxy_ca_) {
    const std::string error = VerifyChain(front_proxy_ca_, leaf, chain, &result.expired);
    const bool name_ok =
        allowed_names_.empty() || std::find(allowed_names_.begin(), allowed_names_.end(),
                                            result.common_name) != allowed_names_.end();
    if (error.empty() && name_ok) {
      result.verified_by_front_proxy_ca = true;
    } else if (error.empty()) {
      result.front_proxy_name_refused = true;
      errors.push_back("front-proxy certificate CN \"" + result.common_name +
                       "\" is not in --requestheader-allowed-names");
    } else {
      errors.push_back("front-proxy CA: " + error);
    }
  }
  if (client_ca_) {
    const std::string error = VerifyChain(client_ca_, leaf, chain, &result.expired);
    if (error.empty())
      result.verified_by_client_ca = !result.common_name.empty();
    else
      errors.push_back("client CA: " + error);
  }
  if (!front_proxy_ca_ && !client_ca_) errors.push_back("no client CA is configured");
  for (size_t i = 0; i < errors.size(); ++i) result.error += (i ? "; " : "") + errors[i];
  return result;
}

}  // namespace prescale::apiserver
