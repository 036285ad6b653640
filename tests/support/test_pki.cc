#include "tests/support/test_pki.h"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <mutex>
#include <stdexcept>

#include "tests/support/temp_dir.h"

namespace prescale::testsupport {

namespace {

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

[[noreturn]] void ThrowOpenSsl(std::string_view what) {
  char buffer[256] = "no OpenSSL error queued";
  if (unsigned long code = ERR_get_error(); code != 0)
    ERR_error_string_n(code, buffer, sizeof buffer);
  ERR_clear_error();
  throw std::runtime_error(std::string(what) + ": " + buffer);
}

void Check(int ok, std::string_view what) {
  if (ok != 1) ThrowOpenSsl(what);
}

PkeyPtr NewKey(KeyType type) {
  EVP_PKEY* key = type == KeyType::kRsa2048
                      ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (key == nullptr) ThrowOpenSsl("EVP_PKEY_Q_keygen");
  return PkeyPtr(key, EVP_PKEY_free);
}

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(size));
}

std::string CertPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
  Check(PEM_write_bio_X509(bio.get(), cert), "PEM_write_bio_X509");
  return BioToString(bio.get());
}

std::string KeyPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
  Check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr),
        "PEM_write_bio_PrivateKey");
  return BioToString(bio.get());
}

bool IsIpAddress(const std::string& name) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, name.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, name.c_str(), buffer) == 1;
}

void AddExtension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
  if (ext == nullptr) ThrowOpenSsl("X509V3_EXT_conf_nid " + value);
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  Check(ok, "X509_add_ext");
}

void SetRandomSerial(X509* cert) {
  unsigned char bytes[16];
  Check(RAND_bytes(bytes, sizeof bytes), "RAND_bytes");
  bytes[0] &= 0x7f;  // keep the serial positive
  BIGNUM* bn = BN_bin2bn(bytes, sizeof bytes, nullptr);
  if (bn == nullptr || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) == nullptr) {
    BN_free(bn);
    ThrowOpenSsl("serial");
  }
  BN_free(bn);
}

void SetSubject(X509* cert, const std::string& common_name,
                const std::vector<std::string>& organizations) {
  X509_NAME* name = X509_get_subject_name(cert);
  for (const std::string& org : organizations) {
    Check(
        X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(org.c_str()), -1, -1, 0),
        "subject O");
  }
  Check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                   -1, 0),
        "subject CN");
}

void SetValidity(X509* cert, bool expired, std::chrono::hours validity) {
  long day = 24 * 3600;
  long not_before = expired ? -2 * day : -3600;  // an hour back tolerates clock skew
  long not_after = expired ? -day : static_cast<long>(validity.count()) * 3600;
  if (X509_gmtime_adj(X509_getm_notBefore(cert), not_before) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert), not_after) == nullptr) {
    ThrowOpenSsl("validity");
  }
}

std::string SubjectAltNames(const CertOptions& options) {
  std::string sans;
  auto append = [&sans](std::string_view kind, const std::string& value) {
    if (!sans.empty()) sans += ",";
    sans += std::string(kind) + ":" + value;
  };
  for (const std::string& ip : options.ip_addresses) append("IP", ip);
  for (const std::string& dns : options.dns_names) append("DNS", dns);
  return sans;
}

}  // namespace

struct TestCa::State {
  std::mutex mu;
  PkeyPtr key{nullptr, EVP_PKEY_free};
  X509Ptr cert{nullptr, X509_free};
  KeyType key_type;
};

TestCa::TestCa(std::filesystem::path dir, std::string name, KeyType key_type)
    : state_(std::make_unique<State>()), dir_(std::move(dir)) {
  state_->key_type = key_type;
  state_->key = NewKey(key_type);
  state_->cert.reset(X509_new());
  X509* cert = state_->cert.get();
  Check(X509_set_version(cert, 2), "X509_set_version");
  SetRandomSerial(cert);
  SetSubject(cert, name + "-ca", {});
  Check(X509_set_issuer_name(cert, X509_get_subject_name(cert)), "issuer");
  SetValidity(cert, false, std::chrono::hours(24 * 365));
  Check(X509_set_pubkey(cert, state_->key.get()), "X509_set_pubkey");
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  AddExtension(cert, &ctx, NID_basic_constraints, "critical,CA:TRUE");
  AddExtension(cert, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
  AddExtension(cert, &ctx, NID_subject_key_identifier, "hash");
  if (X509_sign(cert, state_->key.get(), EVP_sha256()) == 0) ThrowOpenSsl("X509_sign CA");
  ca_.cert_pem = CertPem(cert);
  ca_.key_pem = KeyPem(state_->key.get());
  ca_.cert_file = dir_ / (name + "-ca.crt");
  ca_.key_file = dir_ / (name + "-ca.key");
  WriteFileOrThrow(ca_.cert_file, ca_.cert_pem);
  WriteFileOrThrow(ca_.key_file, ca_.key_pem);
  std::filesystem::permissions(
      ca_.key_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TestCa::~TestCa() = default;

IssuedCert TestCa::Issue(std::string_view file_stem, const CertOptions& options) {
  std::lock_guard lock(state_->mu);
  PkeyPtr key = NewKey(options.key_type);
  X509Ptr cert(X509_new(), X509_free);
  X509* x = cert.get();
  Check(X509_set_version(x, 2), "X509_set_version");
  SetRandomSerial(x);
  SetSubject(x, options.common_name, options.organizations);
  Check(X509_set_issuer_name(x, X509_get_subject_name(state_->cert.get())), "issuer");
  SetValidity(x, options.expired, options.validity);
  Check(X509_set_pubkey(x, key.get()), "X509_set_pubkey");

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, state_->cert.get(), x, nullptr, nullptr, 0);
  AddExtension(x, &ctx, NID_basic_constraints, "critical,CA:FALSE");
  AddExtension(x, &ctx, NID_key_usage,
               options.key_type == KeyType::kRsa2048 ? "critical,digitalSignature,keyEncipherment"
                                                     : "critical,digitalSignature");
  std::string eku;
  if (options.server_auth) eku = "serverAuth";
  if (options.client_auth) eku += eku.empty() ? "clientAuth" : ",clientAuth";
  if (!eku.empty()) AddExtension(x, &ctx, NID_ext_key_usage, eku);
  if (std::string sans = SubjectAltNames(options); !sans.empty()) {
    AddExtension(x, &ctx, NID_subject_alt_name, sans);
  }
  AddExtension(x, &ctx, NID_authority_key_identifier, "keyid:always");
  if (X509_sign(x, state_->key.get(), EVP_sha256()) == 0) ThrowOpenSsl("X509_sign leaf");

  IssuedCert issued;
  issued.cert_pem = CertPem(x);
  issued.key_pem = KeyPem(key.get());
  issued.cert_file = dir_ / (std::string(file_stem) + ".crt");
  issued.key_file = dir_ / (std::string(file_stem) + ".key");
  WriteFileOrThrow(issued.cert_file, issued.cert_pem);
  WriteFileOrThrow(issued.key_file, issued.key_pem);
  std::filesystem::permissions(
      issued.key_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  return issued;
}

IssuedCert TestCa::IssueServer(std::string_view file_stem, std::string common_name,
                               std::vector<std::string> extra_names, bool expired) {
  CertOptions options;
  options.common_name = std::move(common_name);
  options.server_auth = true;
  options.expired = expired;
  options.ip_addresses = {"127.0.0.1"};
  options.dns_names = {"localhost"};
  for (std::string& name : extra_names) {
    (IsIpAddress(name) ? options.ip_addresses : options.dns_names).push_back(std::move(name));
  }
  return Issue(file_stem, options);
}

IssuedCert TestCa::IssueClient(std::string_view file_stem, std::string user,
                               std::vector<std::string> groups, bool expired) {
  CertOptions options;
  options.common_name = std::move(user);
  options.organizations = std::move(groups);
  options.client_auth = true;
  options.expired = expired;
  return Issue(file_stem, options);
}

}  // namespace prescale::testsupport
