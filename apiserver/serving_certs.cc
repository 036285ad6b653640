#include "apiserver/serving_certs.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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

// Writes `pem` to `path` atomically with mode 0600: a fresh temporary file opened O_EXCL and
// O_NOFOLLOW (so no one else's file, no symlink, never world-readable for an instant), fsynced,
// then renamed over `path`.
void WriteFileAtomically(const std::filesystem::path& path, const std::string& pem) {
  const std::string tmp = path.string() + ".tmp";
  ::unlink(tmp.c_str());  // a stale one of ours from a crash; a foreign one makes open fail
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create " + tmp + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < pem.size()) {
    const ssize_t n = ::write(fd, pem.data() + done, pem.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      throw std::runtime_error("cannot write " + tmp + ": " + why);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(errno));
  }
}

std::string Pem(EVP_PKEY* key, X509* cert) {
  std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>> bio(BIO_new(BIO_s_mem()));
  const int ok =
      key ? PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr)
          : PEM_write_bio_X509(bio.get(), cert);
  if (ok != 1) throw std::runtime_error("cannot encode the serving certificate");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

// The directory holds a private key: it must be ours and closed to others.
void CheckCertDir(const std::string& dir) {
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0)
    throw std::runtime_error("--cert-dir " + dir + ": " + std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) throw std::runtime_error("--cert-dir " + dir + ": not a directory");
  if (st.st_uid != ::geteuid())
    throw std::runtime_error("--cert-dir " + dir + ": owned by another user");
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    throw std::runtime_error("--cert-dir " + dir +
                             ": writable by group or others; it would hold the serving key");
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
  WriteFileAtomically(key_path, Pem(key.get(), nullptr));
  WriteFileAtomically(cert_path, Pem(nullptr, cert.get()));
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
  const std::filesystem::path parent = std::filesystem::path(cert_dir).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (!ec && ::mkdir(cert_dir.c_str(), 0700) != 0 && errno != EEXIST)
    ec = std::error_code(errno, std::generic_category());
  if (ec) throw std::runtime_error("cannot create --cert-dir " + cert_dir + ": " + ec.message());
  CheckCertDir(cert_dir);
  const std::filesystem::path dir(cert_dir);
  ServingCertFiles files{(dir / "apiserver.crt").string(), (dir / "apiserver.key").string(), false};
  if (!std::filesystem::exists(files.cert_file) || !std::filesystem::exists(files.key_file)) {
    GenerateSelfSigned(files.cert_file, files.key_file, extra_names);
    files.generated = true;
  }
  return files;
}

}  // namespace prescale::apiserver
