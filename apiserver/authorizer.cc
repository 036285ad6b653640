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
      allowed_(options_.max_cached_allowed, options_.allowed_stale_grace),
      denied_(options_.max_cached_denied) {
  if (reviewer_ && options_.allowed_stale_grace.count() > 0)
    revalidations_ = std::make_unique<RevalidationQueue>(options_.max_queued_revalidations);
}

Authorizer::~Authorizer() { revalidations_.reset(); }  // its thread first, then the caches

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
  if (revalidations_) {
    if (std::optional<AuthorizationDecision> stale = allowed_.GetStale(key)) {
      Revalidate(key, a);
      return *stale;
    }
  }
  if (!allow_remote) return Decision(Outcome::kWouldBlock, "");
  AuthorizationDecision d = Store(key, reviewer_->Review(a));
  d.from_remote = true;
  return d;
}

AuthorizationDecision Authorizer::Store(const std::string& key, const AccessReviewResult& review) {
  AuthorizationDecision d;  // cached as it is: an answer from the cache is not from_remote
  d.reason = review.reason;
  switch (review.outcome) {
    case AccessReviewResult::Outcome::kAllowed:
      d.outcome = AuthorizationDecision::Outcome::kAllowed;
      allowed_.Put(key, d, options_.allowed_ttl);
      break;
    case AccessReviewResult::Outcome::kDenied:
      d.outcome = AuthorizationDecision::Outcome::kDenied;
      allowed_.Erase(key);  // a stale allow ends with the denial
      denied_.Put(key, d, options_.denied_ttl);
      break;
    case AccessReviewResult::Outcome::kError:
      d.outcome = AuthorizationDecision::Outcome::kError;  // not cached: the next asks again
      break;
  }
  return d;
}

void Authorizer::Revalidate(const std::string& key, const AccessAttributes& a) {
  const RevalidationQueue::Submitted submitted = revalidations_->Submit(key, [this, key, a] {
    const AccessReviewResult review = reviewer_->Review(a);
    Store(key, review);
    if (on_revalidation_) on_revalidation_(review.outcome, false);
  });
  if (submitted == RevalidationQueue::Submitted::kQueueFull && on_revalidation_)
    on_revalidation_(AccessReviewResult::Outcome::kError, true);
}

}  // namespace prescale::apiserver
