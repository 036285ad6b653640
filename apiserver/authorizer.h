// Authorization as an aggregated API server does it (k8s.io/apiserver delegating authorizer):
// paths in --authorization-always-allow-paths and members of system:masters are allowed without
// asking; everything else is a SubjectAccessReview to the kube-apiserver, whose allow and deny
// answers are cached (10 s each by default), denials in a separate, smaller cache so that a flood
// of refused requests cannot push out the callers who are allowed. An unreachable reviewer is an
// error, never an allow (fail closed). Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

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

  // With allow_remote false, returns kWouldBlock instead of calling the reviewer.
  AuthorizationDecision Authorize(const AccessAttributes& attributes, bool allow_remote);

 private:
  bool PathAlwaysAllowed(const std::string& path) const;

  AuthorizationOptions options_;
  std::shared_ptr<AccessReviewer> reviewer_;
  TtlCache<AuthorizationDecision> allowed_;
  TtlCache<AuthorizationDecision> denied_;
};

// A cache key covering every attribute the decision depends on, injective: every list is
// preceded by its length and every string by its size.
std::string AccessCacheKey(const AccessAttributes& a);

}  // namespace prescale::apiserver
