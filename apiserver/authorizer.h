// Authorization as an aggregated API server does it (k8s.io/apiserver delegating authorizer):
// paths in --authorization-always-allow-paths and members of system:masters are allowed without
// asking; everything else is a SubjectAccessReview to the kube-apiserver, whose allow and deny
// answers are cached (10 s each by default), denials in a separate, smaller cache so that a flood
// of refused requests cannot push out the callers who are allowed. An allow past its time to live
// is served for `allowed_stale_grace` more while one background review asks again
// (stale-while-revalidate): callers already allowed never wait on a slow review endpoint, nor are
// refused because a flood filled the review queue. A denial from that review ends the allow at
// once; an error leaves it until the grace ends. An unreachable reviewer is an error, never an
// allow (fail closed): no allow outlives its time to live plus the grace. Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "apiserver/revalidation_queue.h"
#include "apiserver/reviewers.h"
#include "apiserver/ttl_cache.h"

namespace prescale::apiserver {

struct AuthorizationOptions {
  enum class Mode { kDelegated, kAlwaysAllow };
  Mode mode = Mode::kDelegated;
  // Exact paths, or prefixes ending in "*" (e.g. "/debug/*").
  std::vector<std::string> always_allow_paths = {"/healthz", "/readyz", "/livez"};
  std::chrono::milliseconds allowed_ttl = std::chrono::seconds(10);
  std::chrono::milliseconds denied_ttl = std::chrono::seconds(10);
  // 0 turns stale-while-revalidate off: an expired allow waits for a new review.
  std::chrono::milliseconds allowed_stale_grace = std::chrono::seconds(10);
  size_t max_queued_revalidations = 256;
  size_t max_cached_allowed = 10000;
  size_t max_cached_denied = 1000;
};

struct AuthorizationDecision {
  enum class Outcome { kAllowed, kDenied, kError, kWouldBlock };
  Outcome outcome = Outcome::kDenied;
  std::string reason;
  bool from_remote = false;
};

class Authorizer {
 public:
  // `reviewer` may be null only in kAlwaysAllow mode; in delegated mode without a reviewer every
  // request outside the always-allowed paths is an error.
  Authorizer(AuthorizationOptions options, std::shared_ptr<AccessReviewer> reviewer);

  ~Authorizer();

  // With allow_remote false, returns kWouldBlock instead of calling the reviewer.
  AuthorizationDecision Authorize(const AccessAttributes& attributes, bool allow_remote);

  // Told the outcome of every background re-review, and kError with `queue_full` when one could
  // not be queued (for metrics). Set before the first Authorize.
  using RevalidationObserver =
      std::function<void(AccessReviewResult::Outcome outcome, bool queue_full)>;
  void OnRevalidation(RevalidationObserver observer) { on_revalidation_ = std::move(observer); }

 private:
  bool PathAlwaysAllowed(const std::string& path) const;
  // Stores the reviewer's answer for `key`; returns the decision (not from_remote).
  AuthorizationDecision Store(const std::string& key, const AccessReviewResult& review);
  void Revalidate(const std::string& key, const AccessAttributes& attributes);

  AuthorizationOptions options_;
  std::shared_ptr<AccessReviewer> reviewer_;
  TtlCache<AuthorizationDecision> allowed_;
  TtlCache<AuthorizationDecision> denied_;
  RevalidationObserver on_revalidation_;
  std::unique_ptr<RevalidationQueue> revalidations_;  // last: its thread uses the members above
};

// A cache key covering every attribute the decision depends on, injective: every list is
// preceded by its length and every string by its size.
std::string AccessCacheKey(const AccessAttributes& a);

}  // namespace prescale::apiserver
