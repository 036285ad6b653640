#include "apiserver/authorizer.h"

#include <algorithm>

namespace prescale::apiserver {
namespace {

void Append(std::string* key, std::string_view part) {
  // Length-prefixed so that no two attribute lists share a key.
  *key += std::to_string(part.size());
  *key += ':';
  *key += part;
}

AuthorizationDecision Decision(AuthorizationDecision::Outcome outcome, std::string reason) {
  AuthorizationDecision d;
  d.outcome = outcome;
  d.reason = std::move(reason);
  return d;
}

}  // namespace

std::string AccessCacheKey(const AccessAttributes& a) {
  std::string key;
  Append(&key, a.user.name);
  Append(&key, a.user.uid);
  Append(&key, std::to_string(a.user.groups.size()));
  for (const std::string& g : a.user.groups) Append(&key, g);
  Append(&key, std::to_string(a.user.extra.size()));
  for (const auto& [k, values] : a.user.extra) {
    Append(&key, k);
    Append(&key, std::to_string(values.size()));
    for (const std::string& v : values) Append(&key, v);
  }
  key += a.resource_request ? "|r|" : "|n|";
  for (const std::string* part :
       {&a.verb, &a.ns, &a.group, &a.version, &a.resource, &a.subresource, &a.name, &a.path})
    Append(&key, *part);
  return key;
}

Authorizer::Authorizer(AuthorizationOptions options, std::shared_ptr<AccessReviewer> reviewer)
    : options_(std::move(options)),
      reviewer_(std::move(reviewer)),
      allowed_(options_.max_cached_allowed),
      denied_(options_.max_cached_denied) {}

bool Authorizer::PathAlwaysAllowed(const std::string& path) const {
  return std::any_of(options_.always_allow_paths.begin(), options_.always_allow_paths.end(),
                     [&path](const std::string& allowed) {
                       if (!allowed.empty() && allowed.back() == '*')
                         return path.compare(0, allowed.size() - 1, allowed, 0,
                                             allowed.size() - 1) == 0;
                       return path == allowed;
                     });
}

AuthorizationDecision Authorizer::Authorize(const AccessAttributes& a, bool allow_remote) {
  using Outcome = AuthorizationDecision::Outcome;
  if (options_.mode == AuthorizationOptions::Mode::kAlwaysAllow)
    return Decision(Outcome::kAllowed, "authorization mode AlwaysAllow");
  if (!a.resource_request && PathAlwaysAllowed(a.path))
    return Decision(Outcome::kAllowed, "path always allowed");
  if (std::find(a.user.groups.begin(), a.user.groups.end(), "system:masters") !=
      a.user.groups.end())
    return Decision(Outcome::kAllowed, "system:masters");
  if (!reviewer_) return Decision(Outcome::kError, "no SubjectAccessReview endpoint configured");
  const std::string key = AccessCacheKey(a);
  if (std::optional<AuthorizationDecision> cached = allowed_.Get(key)) return *cached;
  if (std::optional<AuthorizationDecision> cached = denied_.Get(key)) return *cached;
  if (!allow_remote) return Decision(Outcome::kWouldBlock, "");
  const AccessReviewResult review = reviewer_->Review(a);
  AuthorizationDecision d;  // cached as it is: an answer from the cache is not from_remote
  d.reason = review.reason;
  switch (review.outcome) {
    case AccessReviewResult::Outcome::kAllowed:
      d.outcome = Outcome::kAllowed;
      allowed_.Put(key, d, options_.allowed_ttl);
      break;
    case AccessReviewResult::Outcome::kDenied:
      d.outcome = Outcome::kDenied;
      denied_.Put(key, d, options_.denied_ttl);
      break;
    case AccessReviewResult::Outcome::kError:
      d.outcome = Outcome::kError;  // not cached: the next request asks again
      break;
  }
  d.from_remote = true;
  return d;
}

}  // namespace prescale::apiserver
