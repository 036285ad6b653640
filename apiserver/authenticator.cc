#include "apiserver/authenticator.h"

#include <algorithm>
#include <cctype>

#include "apiserver/digest.h"

namespace prescale::apiserver {
namespace {

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && HeaderNameEquals(s.substr(0, prefix.size()), prefix);
}

AuthenticationResult Unauthorized(std::string reason) {
  AuthenticationResult r;
  r.outcome = AuthenticationResult::Outcome::kUnauthorized;
  r.reason = std::move(reason);
  return r;
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
  std::string out;
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] == '%') {
      if (i + 2 >= encoded.size()) return "";
      const std::string hex(encoded.substr(i + 1, 2));
      if (hex.size() != 2 || !std::isxdigit(static_cast<unsigned char>(hex[0])) ||
          !std::isxdigit(static_cast<unsigned char>(hex[1])))
        return "";
      out.push_back(static_cast<char>(std::stoi(hex, nullptr, 16)));
      i += 2;
    } else {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(encoded[i]))));
    }
  }
  return out;
}

Authenticator::Authenticator(AuthenticationOptions options,
                             std::shared_ptr<TokenReviewer> token_reviewer)
    : options_(std::move(options)), token_reviewer_(std::move(token_reviewer)) {}

bool Authenticator::FromFrontProxy(const HeaderList& headers, UserInfo* user) const {
  for (const std::string& name : options_.username_headers) {
    const std::string_view v = FindHeader(headers, name);
    if (!v.empty()) {
      user->name = std::string(v);
      break;
    }
  }
  if (user->name.empty()) return false;
  for (const auto& [k, v] : headers) {
    for (const std::string& name : options_.group_headers) {
      if (HeaderNameEquals(k, name)) user->groups.emplace_back(v);
    }
    for (const std::string& prefix : options_.extra_header_prefixes) {
      if (StartsWithIgnoreCase(k, prefix) && k.size() > prefix.size()) {
        const std::string key = DecodeExtraKey(k.substr(prefix.size()));
        if (!key.empty()) user->extra[key].emplace_back(v);
      }
    }
  }
  return true;
}

AuthenticationResult Authenticator::FromToken(std::string_view token, bool allow_remote) {
  if (!token_reviewer_)
    return Unauthorized("bearer token presented but token review is not configured");
  const std::string key = Sha256Hex(token);
  if (std::optional<UserInfo> cached = token_cache_.Get(key)) {
    if (cached->name.empty()) return Unauthorized("token rejected (cached)");
    return Authenticated(std::move(*cached));
  }
  if (!allow_remote) {
    AuthenticationResult r;
    r.outcome = AuthenticationResult::Outcome::kWouldBlock;
    return r;
  }
  TokenReviewResult review = token_reviewer_->Review(std::string(token));
  AuthenticationResult result;
  switch (review.outcome) {
    case TokenReviewResult::Outcome::kAuthenticated:
      AddAuthenticatedGroup(&review.user);
      token_cache_.Put(key, review.user, options_.token_cache_ttl);
      result = Authenticated(std::move(review.user));
      break;
    case TokenReviewResult::Outcome::kRejected:
      token_cache_.Put(key, UserInfo{}, options_.token_cache_ttl);
      result = Unauthorized("token rejected: " + review.message);
      break;
    case TokenReviewResult::Outcome::kError:
      result = Unauthorized("token review failed: " + review.message);  // fail closed, not cached
      break;
  }
  result.from_remote = true;
  return result;
}

AuthenticationResult Authenticator::Authenticate(const ClientCertificate& certificate,
                                                 const HeaderList& headers, bool allow_remote) {
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
    return Unauthorized(certificate.verified_by_front_proxy_ca
                            ? "front-proxy certificate without a user header"
                            : "client certificate not accepted: " + certificate.error);
  }
  if (!options_.anonymous)
    return Unauthorized("no credentials and anonymous requests are disabled");
  UserInfo anonymous;
  anonymous.name = "system:anonymous";
  anonymous.groups = {"system:unauthenticated"};
  return Authenticated(std::move(anonymous));
}

}  // namespace prescale::apiserver
