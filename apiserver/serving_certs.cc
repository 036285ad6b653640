#include "apiserver/serving_certs.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <filesystem>
#include <memory>
#include <stdexcept>

namespace prescale::apiserver {
namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509, X509_free>>;

void AddExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) throw std::runtime_error("cannot build certificate extension " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

void WritePem(const std::filesystem::path& path, bool is_key, EVP_PKEY* key, X509* cert) {
  FILE* f = fopen(path.c_str(), "w");
  if (!f) throw std::runtime_error("cannot write " + path.string());
  if (is_key) {
    chmod(path.c_str(), 0600);
    PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  } else {
    PEM_write_X509(f, cert);
  }
  fclose(f);
}

void GenerateSelfSigned(const std::filesystem::path& cert_path,
                        const std::filesystem::path& key_path,
                        const std::vector<std::string>& extra_names) {
  KeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) throw std::runtime_error("cannot generate a serving key");
  CertPtr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), static_cast<long>(time(nullptr)));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost@prescale"), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), name);
  std::string san = "DNS:localhost,IP:127.0.0.1,IP:::1";
  for (const std::string& n : extra_names) san += "," + n;
  AddExtension(cert.get(), NID_subject_alt_name, san);
  AddExtension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign");
  AddExtension(cert.get(), NID_ext_key_usage, "serverAuth");
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0)
    throw std::runtime_error("cannot sign the serving certificate");
  WritePem(key_path, true, key.get(), cert.get());
  WritePem(cert_path, false, key.get(), cert.get());
}

}  // namespace

ServingCertFiles ResolveServingCert(const std::string& cert_file, const std::string& key_file,
                                    const std::string& cert_dir,
                                    const std::vector<std::string>& extra_names) {
  if (cert_file.empty() != key_file.empty())
    throw std::runtime_error("--tls-cert-file and --tls-private-key-file must be given together");
  if (!cert_file.empty()) return {cert_file, key_file, false};
  if (cert_dir.empty())
    throw std::runtime_error(
        "no serving certificate: give --tls-cert-file/--tls-private-key-file or --cert-dir");
  std::error_code ec;
  std::filesystem::create_directories(cert_dir, ec);
  if (ec) throw std::runtime_error("cannot create --cert-dir " + cert_dir + ": " + ec.message());
  const std::filesystem::path dir(cert_dir);
  ServingCertFiles files{(dir / "apiserver.crt").string(), (dir / "apiserver.key").string(), false};
  if (!std::filesystem::exists(files.cert_file) || !std::filesystem::exists(files.key_file)) {
    GenerateSelfSigned(files.cert_file, files.key_file, extra_names);
    files.generated = true;
  }
  return files;
}

}  // namespace prescale::apiserver
