#include "apiserver/authenticator.h"

#include <algorithm>
#include <cctype>

#include "apiserver/digest.h"

namespace prescale::apiserver {
namespace {

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && HeaderNameEquals(s.substr(0, prefix.size()), prefix);
}

AuthenticationResult Unauthorized(AuthnFailure failure, std::string reason) {
  AuthenticationResult r;
  r.outcome = AuthenticationResult::Outcome::kUnauthorized;
  r.failure = failure;
  r.reason = std::move(reason);
  return r;
}

// RFC 6750's b64token, loosely: visible ASCII only, so a token is never invalid UTF-8 or
// control bytes by the time it is sent to the kube-apiserver or hashed for the cache.
constexpr size_t kMaxTokenBytes = 16 * 1024;
bool PlausibleToken(std::string_view token) {
  if (token.size() > kMaxTokenBytes) return false;
  return std::all_of(token.begin(), token.end(),
                     [](unsigned char c) { return c >= 0x21 && c <= 0x7e; });
}

AuthnFailure CertificateFailure(const ClientCertificate& certificate) {
  if (certificate.expired) return AuthnFailure::kExpiredCertificate;
  if (certificate.front_proxy_name_refused) return AuthnFailure::kFrontProxyNotAllowed;
  return AuthnFailure::kUntrustedCertificate;
}

AuthenticationResult Authenticated(UserInfo user) {
  AuthenticationResult r;
  r.outcome = AuthenticationResult::Outcome::kAuthenticated;
  r.user = std::move(user);
  return r;
}

// "system:authenticated" is added to every authenticated user (AuthenticatedGroupAdder).
void AddAuthenticatedGroup(UserInfo* user) {
  if (user->name == "system:anonymous") return;
  for (const std::string& g : user->groups) {
    if (g == "system:authenticated" || g == "system:unauthenticated") return;
  }
  user->groups.push_back("system:authenticated");
}

}  // namespace

std::string DecodeExtraKey(std::string_view encoded) {
  std::string lower(encoded);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string out;
  for (size_t i = 0; i < lower.size(); ++i) {
    if (lower[i] != '%') {
      out.push_back(lower[i]);
      continue;
    }
    if (i + 2 >= lower.size() || !std::isxdigit(static_cast<unsigned char>(lower[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(lower[i + 2])))
      return lower;  // kept as sent: a restricting extra must not vanish for a bad escape
    out.push_back(static_cast<char>(std::stoi(lower.substr(i + 1, 2), nullptr, 16)));
    i += 2;
  }
  return out;
}

Authenticator::Authenticator(AuthenticationOptions options,
                             std::shared_ptr<TokenReviewer> token_reviewer)
    : options_(std::move(options)),
      token_reviewer_(std::move(token_reviewer)),
      users_(options_.max_cached_users, options_.token_stale_grace),
      rejections_(options_.max_cached_rejections) {
  if (token_reviewer_ && options_.token_stale_grace.count() > 0)
    revalidations_ = std::make_unique<RevalidationQueue>(options_.max_queued_revalidations);
}

Authenticator::~Authenticator() { revalidations_.reset(); }  // its thread first, then the caches

bool Authenticator::FromFrontProxy(const HeaderList& headers, UserInfo* user) const {
  for (const std::string& name : options_.username_headers) {
    const std::string_view v = FindHeader(headers, name);
    if (!v.empty()) {
      user->name = std::string(v);
      break;
    }
  }
  if (user->name.empty()) return false;
  for (const std::string& name : options_.uid_headers) {
    const std::string_view v = FindHeader(headers, name);
    if (!v.empty()) {
      user->uid = std::string(v);
      break;
    }
  }
  for (const auto& [k, v] : headers) {
    for (const std::string& name : options_.group_headers) {
      if (HeaderNameEquals(k, name) && !v.empty()) user->groups.emplace_back(v);
    }
    for (const std::string& prefix : options_.extra_header_prefixes) {
      if (StartsWithIgnoreCase(k, prefix) && k.size() > prefix.size()) {
        user->extra[DecodeExtraKey(k.substr(prefix.size()))].emplace_back(v);
      }
    }
  }
  return true;
}

AuthenticationResult Authenticator::FromToken(std::string_view token, bool allow_remote) {
  if (!PlausibleToken(token))
    return Unauthorized(AuthnFailure::kMalformedCredential,
                        "bearer token is not printable ASCII of at most 16 KiB");
  if (!token_reviewer_)
    return Unauthorized(AuthnFailure::kInvalidToken,
                        "bearer token presented but token review is not configured");
  if (std::optional<UserInfo> cached = users_.Get(token)) return Authenticated(std::move(*cached));
  if (std::optional<std::string> why = rejections_.Get(token))
    return Unauthorized(AuthnFailure::kInvalidToken, "token rejected (cached): " + *why);
  if (revalidations_) {
    if (std::optional<UserInfo> stale = users_.GetStale(token)) {
      Revalidate(token);
      return Authenticated(std::move(*stale));
    }
  }
  if (!allow_remote) {
    AuthenticationResult r;
    r.outcome = AuthenticationResult::Outcome::kWouldBlock;
    return r;
  }
  AuthenticationResult result = Store(token, token_reviewer_->Review(std::string(token)));
  result.from_remote = true;
  return result;
}

AuthenticationResult Authenticator::Store(std::string_view token, TokenReviewResult review) {
  switch (review.outcome) {
    case TokenReviewResult::Outcome::kAuthenticated:
      AddAuthenticatedGroup(&review.user);
      users_.Put(token, review.user, options_.token_cache_ttl);
      return Authenticated(std::move(review.user));
    case TokenReviewResult::Outcome::kRejected:
      users_.Erase(token);  // a stale user ends with the rejection
      rejections_.Put(token, review.message, options_.token_cache_ttl);
      return Unauthorized(AuthnFailure::kInvalidToken, "token rejected: " + review.message);
    case TokenReviewResult::Outcome::kError:  // fail closed, not cached
      break;
  }
  return Unauthorized(AuthnFailure::kReviewError, "token review failed: " + review.message);
}

void Authenticator::Revalidate(std::string_view token) {
  // Queued by the token's digest; the job holds the token only until it has asked.
  const RevalidationQueue::Submitted submitted =
      revalidations_->Submit(Sha256Hex(token), [this, token = std::string(token)] {
        TokenReviewResult review = token_reviewer_->Review(token);
        const TokenReviewResult::Outcome outcome = review.outcome;
        Store(token, std::move(review));
        if (on_revalidation_) on_revalidation_(outcome, false);
      });
  if (submitted == RevalidationQueue::Submitted::kQueueFull && on_revalidation_)
    on_revalidation_(TokenReviewResult::Outcome::kError, true);
}

AuthenticationResult Authenticator::Authenticate(const ClientCertificate& certificate,
                                                 const HeaderList& headers, bool allow_remote,
                                                 double now) {
  const bool verified = certificate.verified_by_front_proxy_ca || certificate.verified_by_client_ca;
  if (verified && certificate.not_after > 0 && now > certificate.not_after) {
    // Verified at the handshake, expired since: the connection outlived its certificate.
    return Unauthorized(AuthnFailure::kExpiredCertificate, "client certificate has expired");
  }
  if (certificate.verified_by_front_proxy_ca) {
    UserInfo user;
    if (FromFrontProxy(headers, &user)) {
      AddAuthenticatedGroup(&user);
      return Authenticated(std::move(user));
    }
  }
  if (certificate.verified_by_client_ca) {
    UserInfo user;
    user.name = certificate.common_name;
    user.groups = certificate.organizations;
    AddAuthenticatedGroup(&user);
    return Authenticated(std::move(user));
  }
  const std::string_view authorization = FindHeader(headers, "Authorization");
  if (StartsWithIgnoreCase(authorization, "Bearer ")) {
    std::string_view token = authorization.substr(7);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    if (!token.empty()) {
      AuthenticationResult r = FromToken(token, allow_remote);
      if (r.outcome != AuthenticationResult::Outcome::kUnauthorized || !certificate.present)
        return r;
      r.reason += "; client certificate: " + certificate.error;
      return r;
    }
  }
  if (certificate.present) {
    // A presented certificate that identifies nobody is an error (401), never anonymous.
    if (certificate.verified_by_front_proxy_ca)
      return Unauthorized(AuthnFailure::kFrontProxyNotAllowed,
                          "front-proxy certificate without a user header");
    return Unauthorized(CertificateFailure(certificate),
                        "client certificate not accepted: " + certificate.error);
  }
  if (!options_.anonymous)
    return Unauthorized(AuthnFailure::kNoCredentials,
                        "no credentials and anonymous requests are disabled");
  UserInfo anonymous;
  anonymous.name = "system:anonymous";
  anonymous.groups = {"system:unauthenticated"};
  return Authenticated(std::move(anonymous));
}

}  // namespace prescale::apiserver
