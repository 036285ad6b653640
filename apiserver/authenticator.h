// Authentication as an aggregated API server does it (k8s.io/apiserver delegating
// authenticator), in this order:
//  1. front-proxy: a client certificate verified against --requestheader-client-ca-file with an
//     allowed CN; the user then comes from the X-Remote-User/-Group/-Extra-* headers. Those
//     headers are ignored on every other connection;
//  2. an ordinary client certificate verified against --client-ca-file: CN is the user, O the
//     groups;
//  3. a bearer token, reviewed by the kube-apiserver (TokenReview), results cached;
//  4. otherwise system:anonymous, if anonymous requests are enabled.
// A presented credential that fails (a certificate from a foreign CA or past its notAfter, a
// rejected or malformed token, an unreachable TokenReview endpoint) is 401, never anonymous.
// Review answers are cached for the TTL, rejections in a separate, smaller cache so that random
// tokens cannot push out the users who hold valid ones. A token's user past the TTL is served for
// `token_stale_grace` more while one background TokenReview asks again (stale-while-revalidate,
// as the Authorizer does for allows): a rejection ends it at once, an error leaves it until the
// grace ends, so no answer outlives TTL + grace. Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "apiserver/revalidation_queue.h"
#include "apiserver/reviewers.h"
#include "apiserver/security_metrics.h"
#include "apiserver/ttl_cache.h"

namespace prescale::apiserver {

struct AuthenticationOptions {
  std::vector<std::string> username_headers = {"X-Remote-User"};
  std::vector<std::string> uid_headers;  // e.g. X-Remote-Uid (Kubernetes 1.32+); none by default
  std::vector<std::string> group_headers = {"X-Remote-Group"};
  std::vector<std::string> extra_header_prefixes = {"X-Remote-Extra-"};
  bool anonymous = true;
  std::chrono::milliseconds token_cache_ttl = std::chrono::seconds(10);
  // 0 turns stale-while-revalidate off: an expired token waits for a new review.
  std::chrono::milliseconds token_stale_grace = std::chrono::seconds(10);
  size_t max_queued_revalidations = 256;
  size_t max_cached_users = 10000;
  size_t max_cached_rejections = 1000;
};

struct AuthenticationResult {
  enum class Outcome { kAuthenticated, kUnauthorized, kWouldBlock };
  Outcome outcome = Outcome::kUnauthorized;
  UserInfo user;
  std::string reason;                                   // for logs, never the credential
  AuthnFailure failure = AuthnFailure::kNoCredentials;  // when kUnauthorized
  bool from_remote = false;
};

class Authenticator {
 public:
  // `token_reviewer` may be null: bearer tokens are then refused.
  Authenticator(AuthenticationOptions options, std::shared_ptr<TokenReviewer> token_reviewer);

  // With allow_remote false, returns kWouldBlock instead of calling the TokenReview endpoint.
  // `now` (Unix seconds) is checked against a verified certificate's notAfter.
  AuthenticationResult Authenticate(const ClientCertificate& certificate, const HeaderList& headers,
                                    bool allow_remote, double now);

  // Told the outcome of every background re-review, and kError with `queue_full` when one could
  // not be queued (for metrics). Set before the first Authenticate.
  using RevalidationObserver =
      std::function<void(TokenReviewResult::Outcome outcome, bool queue_full)>;
  void OnRevalidation(RevalidationObserver observer) { on_revalidation_ = std::move(observer); }

  ~Authenticator();

 private:
  bool FromFrontProxy(const HeaderList& headers, UserInfo* user) const;
  AuthenticationResult FromToken(std::string_view token, bool allow_remote);
  // Caches the review of `token` and returns what it means for the request.
  AuthenticationResult Store(std::string_view token, TokenReviewResult review);
  void Revalidate(std::string_view token);

  AuthenticationOptions options_;
  std::shared_ptr<TokenReviewer> token_reviewer_;
  TtlCache<UserInfo> users_;          // by token (stored as its SHA-256, never the token)
  TtlCache<std::string> rejections_;  // by token: why it was rejected
  RevalidationObserver on_revalidation_;
  std::unique_ptr<RevalidationQueue> revalidations_;  // last: its thread uses the members above
};

// Lower-cases an X-Remote-Extra-* key suffix and percent-decodes it, as k8s.io/apiserver does;
// a malformed escape leaves the key lower-cased but still encoded (k8s keeps it too).
std::string DecodeExtraKey(std::string_view encoded);

}  // namespace prescale::apiserver
