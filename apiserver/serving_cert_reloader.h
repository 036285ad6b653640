// The HTTPS server's certificate and key, re-read when their files change, as the
// kube-apiserver's dynamic serving certificate does: cert-manager or the kubelet may update a
// mounted Secret in place, and the server must not keep presenting a certificate that expires.
// Each new TLS handshake presents the pair in force; open connections keep theirs.
//
// A changed pair that cannot be used (unreadable, malformed, key not matching the certificate,
// e.g. while a non-atomic writer has replaced only one of the files) is reported and the
// previous pair stays in force; it is tried again as soon as either file changes.
//
// The polling thread survives any exception (in Poll() or the listener): it is logged at error
// level, reported to the listener as kFailed with "internal error: ..." (counted by serve as a
// failed reload), the pair in force stays, the files are tried again at the next poll, and the
// thread backs off (doubling the interval per consecutive exception, up to five minutes).
//
// Threading: Poll() from one thread at a time (Start() runs it on its own thread); the
// handshake callback and the accessors are safe from any thread.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/file_stamp.h"

namespace prescale::apiserver {

class ServingCertReloader {
 public:
  enum class Result { kUnchanged, kReloaded, kFailed };
  // After each poll that did something: the result, the error (kFailed) and the new pair's
  // expiry (Unix seconds; kReloaded).
  using Listener = std::function<void(Result, const std::string& error, double not_after)>;

  // Loads the pair; throws std::runtime_error with a one-line reason (a start-up error).
  ServingCertReloader(std::string cert_file, std::string key_file);
  ~ServingCertReloader();  // stops
  ServingCertReloader(const ServingCertReloader&) = delete;
  ServingCertReloader& operator=(const ServingCertReloader&) = delete;

  // Makes every handshake on `ctx` present the pair in force. `ctx` must not outlive this.
  void Attach(SSL_CTX* ctx);

  // Re-reads the files if either changed (path, inode, size or modification time).
  Result Poll(std::string* error);

  // Polls every `interval` on a thread of its own until Stop(); `listener` may be empty.
  void Start(std::chrono::milliseconds interval, Listener listener);
  void Stop();

  // The certificate in force: its notAfter (Unix seconds) and subject, for metrics and logs.
  double not_after() const;
  std::string subject() const;

 private:
  struct Pair;
  // The chain and key of the files; nullptr and *error on any problem.
  static std::shared_ptr<const Pair> Load(const std::string& cert_file, const std::string& key_file,
                                          std::string* error);
  static int OnHandshake(SSL* ssl, void* self);
  std::shared_ptr<const Pair> Current() const;

  const std::string cert_file_;
  const std::string key_file_;
  mutable std::mutex mu_;
  std::shared_ptr<const Pair> pair_;  // guarded by mu_
  // Poll()'s thread only: the files as last loaded or tried.
  FileStamp seen_cert_, seen_key_;
  std::jthread poller_;
};

}  // namespace prescale::apiserver
