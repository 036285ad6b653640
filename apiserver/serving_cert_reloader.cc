#include "apiserver/serving_cert_reloader.h"

#include "apiserver/cert_verifier.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <stop_token>

#include "common/log.h"

namespace prescale::apiserver {

struct ServingCertReloader::Pair {
  X509* cert = nullptr;
  EVP_PKEY* key = nullptr;
  STACK_OF(X509) * chain = nullptr;  // intermediates after the leaf, may be empty
  double not_after = 0;
  std::string subject;

  Pair() : chain(sk_X509_new_null()) {}
  ~Pair() {
    X509_free(cert);
    EVP_PKEY_free(key);
    sk_X509_pop_free(chain, X509_free);
  }
  Pair(const Pair&) = delete;
  Pair& operator=(const Pair&) = delete;
};

namespace {

std::string OpenSslError(const std::string& what) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return what;
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return what + " (" + text + ")";
}

std::string SystemError() {
  const int code = errno;
  ERR_clear_error();
  return std::strerror(code);
}

}  // namespace

ServingCertReloader::ServingCertReloader(std::string cert_file, std::string key_file)
    : cert_file_(std::move(cert_file)),
      key_file_(std::move(key_file)),
      seen_cert_(StampOf(cert_file_)),
      seen_key_(StampOf(key_file_)) {
  std::string error;
  pair_ = Load(cert_file_, key_file_, &error);
  if (!pair_) throw std::runtime_error(error);
}

ServingCertReloader::~ServingCertReloader() { Stop(); }

std::shared_ptr<const ServingCertReloader::Pair> ServingCertReloader::Load(
    const std::string& cert_file, const std::string& key_file, std::string* error) {
  ERR_clear_error();
  auto pair = std::make_shared<Pair>();
  BIO* bio = BIO_new_file(cert_file.c_str(), "r");
  if (!bio)
    return *error = "cannot load TLS certificate " + cert_file + ": " + SystemError(), nullptr;
  pair->cert = PEM_read_bio_X509_AUX(bio, nullptr, nullptr, nullptr);
  while (pair->cert) {
    X509* next = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    if (!next) break;
    sk_X509_push(pair->chain, next);
  }
  BIO_free(bio);
  ERR_clear_error();  // the end of the file reads as "no start line"
  if (!pair->cert)
    return *error = "no PEM certificate in TLS certificate file " + cert_file, nullptr;
  bio = BIO_new_file(key_file.c_str(), "r");
  if (!bio)
    return *error = "cannot load TLS private key " + key_file + ": " + SystemError(), nullptr;
  pair->key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!pair->key) return *error = OpenSslError("no PEM private key in " + key_file), nullptr;
  if (X509_check_private_key(pair->cert, pair->key) != 1) {
    ERR_clear_error();
    return *error = "TLS private key " + key_file + " does not match " + cert_file, nullptr;
  }
  pair->not_after = CertificateNotAfter(pair->cert);
  char subject[512];
  X509_NAME_oneline(X509_get_subject_name(pair->cert), subject, sizeof subject);
  pair->subject = subject;
  return pair;
}

std::shared_ptr<const ServingCertReloader::Pair> ServingCertReloader::Current() const {
  std::lock_guard lock(mu_);
  return pair_;
}

int ServingCertReloader::OnHandshake(SSL* ssl, void* self) {
  const std::shared_ptr<const Pair> pair = static_cast<ServingCertReloader*>(self)->Current();
  // Takes its own references: the pair may be replaced while this handshake goes on.
  return SSL_use_cert_and_key(ssl, pair->cert, pair->key, pair->chain, 1) == 1 ? 1 : 0;
}

void ServingCertReloader::Attach(SSL_CTX* ctx) {
  const std::shared_ptr<const Pair> pair = Current();
  SSL_CTX_use_cert_and_key(ctx, pair->cert, pair->key, pair->chain, 1);
  SSL_CTX_set_cert_cb(ctx, &ServingCertReloader::OnHandshake, this);
}

ServingCertReloader::Result ServingCertReloader::Poll(std::string* error) {
  const FileStamp cert = StampOf(cert_file_);
  const FileStamp key = StampOf(key_file_);
  if (cert == seen_cert_ && key == seen_key_) return Result::kUnchanged;
  // A failed pair is tried again only once a file changes again.
  seen_cert_ = cert;
  seen_key_ = key;
  std::shared_ptr<const Pair> pair = Load(cert_file_, key_file_, error);
  if (!pair) return Result::kFailed;
  std::lock_guard lock(mu_);
  pair_ = std::move(pair);
  return Result::kReloaded;
}

void ServingCertReloader::Start(std::chrono::milliseconds interval, Listener listener) {
  poller_ = std::jthread([this, interval, listener = std::move(listener)](std::stop_token stop) {
    constexpr std::chrono::milliseconds kMaxBackoff = std::chrono::minutes(5);
    std::mutex mu;
    std::condition_variable_any cv;
    std::chrono::milliseconds wait = interval;
    while (true) {
      {
        std::unique_lock lock(mu);
        cv.wait_for(lock, stop, wait, [] { return false; });  // wakes early on Stop()
        if (stop.stop_requested()) return;
      }
      std::string what;
      try {
        std::string error;
        const Result result = Poll(&error);
        if (result != Result::kUnchanged && listener) listener(result, error, not_after());
        wait = interval;
        continue;
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
        what = "unknown exception";
      }
      seen_cert_ = FileStamp{};  // try the files again at the next poll
      wait = std::min(std::max(wait, interval) * 2, std::max(interval, kMaxBackoff));
      log::Error("serving certificate check failed; the certificate in force stays",
                 {{"file", cert_file_}, {"error", what}});
      try {
        if (listener) listener(Result::kFailed, "internal error: " + what, not_after());
      } catch (...) {
        log::Error("serving certificate failure report failed", {{"file", cert_file_}});
      }
    }
  });
}

void ServingCertReloader::Stop() {
  if (poller_.joinable()) {
    poller_.request_stop();
    poller_.join();
  }
}

double ServingCertReloader::not_after() const { return Current()->not_after; }

std::string ServingCertReloader::subject() const { return Current()->subject; }

}  // namespace prescale::apiserver
