#include "apiserver/authenticator.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "tests/apiserver/test_doubles.h"

namespace prescale::apiserver {
namespace {

using Outcome = AuthenticationResult::Outcome;
constexpr double kNow = 1.8e9;  // 2027-01-15

ClientCertificate FrontProxy() {
  ClientCertificate c;
  c.present = true;
  c.verified_by_front_proxy_ca = true;
  c.common_name = "front-proxy-client";
  return c;
}

TEST(AuthenticatorTest, FrontProxyHeadersAreTrustedOnlyFromAVerifiedFrontProxy) {
  Authenticator authn({}, nullptr);
  const HeaderList headers = {{"X-Remote-User", "system:kube-aggregator"},
                              {"X-Remote-Group", "system:masters"},
                              {"x-remote-group", "ops"},
                              {"X-Remote-Extra-Scopes%2fA", "s1"}};
  const auto ok = authn.Authenticate(FrontProxy(), headers, false, kNow);
  ASSERT_EQ(ok.outcome, Outcome::kAuthenticated);
  EXPECT_EQ(ok.user.name, "system:kube-aggregator");
  EXPECT_EQ(ok.user.groups,
            (std::vector<std::string>{"system:masters", "ops", "system:authenticated"}));
  EXPECT_EQ(ok.user.extra.at("scopes/a"), std::vector<std::string>{"s1"});

  // The same headers without a front-proxy certificate are ignored: the caller is anonymous.
  const auto anon = authn.Authenticate(ClientCertificate{}, headers, false, kNow);
  ASSERT_EQ(anon.outcome, Outcome::kAuthenticated);
  EXPECT_EQ(anon.user.name, "system:anonymous");

  // ...or the client certificate's own identity.
  ClientCertificate alice;
  alice.present = alice.verified_by_client_ca = true;
  alice.common_name = "alice";
  alice.organizations = {"traders"};
  const auto a = authn.Authenticate(alice, headers, false, kNow);
  EXPECT_EQ(a.user.name, "alice");
  EXPECT_EQ(a.user.groups, (std::vector<std::string>{"traders", "system:authenticated"}));
}

TEST(AuthenticatorTest, FailedCredentialsAre401NotAnonymous) {
  Authenticator authn({}, nullptr);
  ClientCertificate foreign;
  foreign.present = true;
  foreign.error = "client CA: unable to get local issuer certificate";
  EXPECT_EQ(authn.Authenticate(foreign, {}, false, kNow).outcome, Outcome::kUnauthorized);
  EXPECT_EQ(authn.Authenticate(FrontProxy(), {}, false, kNow).outcome, Outcome::kUnauthorized);
  EXPECT_EQ(authn.Authenticate({}, {{"Authorization", "Bearer abc"}}, false, kNow).outcome,
            Outcome::kUnauthorized);  // no TokenReview configured
  AuthenticationOptions no_anonymous;
  no_anonymous.anonymous = false;
  EXPECT_EQ(Authenticator(no_anonymous, nullptr).Authenticate({}, {}, false, kNow).outcome,
            Outcome::kUnauthorized);
}

TEST(AuthenticatorTest, TokensAreReviewedOnceThenCached) {
  auto reviewer = std::make_shared<testing::ScriptedTokenReviewer>();
  reviewer->users["good"] = UserInfo{"system:serviceaccount:kube-system:horizontal-pod-autoscaler",
                                     "u1",
                                     {"system:serviceaccounts"},
                                     {}};
  Authenticator authn({}, reviewer);
  const HeaderList good = {{"Authorization", "Bearer good"}};
  EXPECT_EQ(authn.Authenticate({}, good, false, kNow).outcome, Outcome::kWouldBlock);
  const auto first = authn.Authenticate({}, good, true, kNow);
  ASSERT_EQ(first.outcome, Outcome::kAuthenticated);
  EXPECT_TRUE(first.from_remote);
  EXPECT_EQ(first.user.groups.back(), "system:authenticated");
  const auto second = authn.Authenticate({}, good, false, kNow);
  EXPECT_EQ(second.outcome, Outcome::kAuthenticated);
  EXPECT_FALSE(second.from_remote);
  EXPECT_EQ(reviewer->calls, 1);

  const HeaderList bad = {{"Authorization", "Bearer bad"}};
  EXPECT_EQ(authn.Authenticate({}, bad, true, kNow).outcome, Outcome::kUnauthorized);
  EXPECT_EQ(authn.Authenticate({}, bad, false, kNow).outcome,
            Outcome::kUnauthorized);  // cached denial
  EXPECT_EQ(reviewer->calls, 2);
}

// Answers every token with the outcome the test sets.
struct SwitchedTokenReviewer : TokenReviewer {
  std::atomic<TokenReviewResult::Outcome> answer{TokenReviewResult::Outcome::kAuthenticated};
  std::atomic<int> calls{0};
  TokenReviewResult Review(const std::string&) override {
    ++calls;
    TokenReviewResult r;
    r.outcome = answer;
    r.user.name = "system:serviceaccount:kube-system:horizontal-pod-autoscaler";
    r.message = "scripted";
    return r;
  }
};

template <class F>
bool Eventually(F done) {
  using namespace std::chrono_literals;
  for (auto end = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < end;
       std::this_thread::sleep_for(5ms))
    if (done()) return true;
  return false;
}

TEST(AuthenticatorTest, AnExpiredTokenIsServedWhileOneBackgroundReviewAsksAgain) {
  using namespace std::chrono_literals;
  auto reviewer = std::make_shared<SwitchedTokenReviewer>();
  AuthenticationOptions options;
  options.token_cache_ttl = 30ms;
  options.token_stale_grace = 300ms;
  Authenticator authn(options, reviewer);
  std::atomic<int> rejected{0};
  authn.OnRevalidation([&](TokenReviewResult::Outcome outcome, bool queue_full) {
    EXPECT_FALSE(queue_full);
    if (outcome == TokenReviewResult::Outcome::kRejected) ++rejected;
  });
  const HeaderList h = {{"Authorization", "Bearer t"}};
  ASSERT_EQ(authn.Authenticate({}, h, true, kNow).outcome, Outcome::kAuthenticated);
  std::this_thread::sleep_for(60ms);
  // Expired: served at once, never kWouldBlock, while the re-review runs in the background.
  reviewer->answer = TokenReviewResult::Outcome::kRejected;  // the token was revoked
  const auto stale = authn.Authenticate({}, h, false, kNow);
  EXPECT_EQ(stale.outcome, Outcome::kAuthenticated);
  EXPECT_FALSE(stale.from_remote);
  EXPECT_EQ(stale.user.groups.back(), "system:authenticated");
  // The rejection ends it at once.
  ASSERT_TRUE(Eventually([&] { return rejected == 1; }));
  EXPECT_EQ(authn.Authenticate({}, h, false, kNow).failure, AuthnFailure::kInvalidToken);
  EXPECT_EQ(reviewer->calls, 2);

  // Reviews failing: a valid token's user lasts TTL + grace, then fails closed.
  const HeaderList other = {{"Authorization", "Bearer u"}};
  reviewer->answer = TokenReviewResult::Outcome::kAuthenticated;
  ASSERT_EQ(authn.Authenticate({}, other, true, kNow).outcome, Outcome::kAuthenticated);
  reviewer->answer = TokenReviewResult::Outcome::kError;
  std::this_thread::sleep_for(60ms);
  EXPECT_EQ(authn.Authenticate({}, other, false, kNow).outcome, Outcome::kAuthenticated);
  std::this_thread::sleep_for(350ms);
  EXPECT_EQ(authn.Authenticate({}, other, false, kNow).outcome, Outcome::kWouldBlock);
  EXPECT_EQ(authn.Authenticate({}, other, true, kNow).failure, AuthnFailure::kReviewError);
}

TEST(AuthenticatorTest, UnreachableTokenReviewFailsClosedAndIsNotCached) {
  auto reviewer = std::make_shared<testing::ScriptedTokenReviewer>();
  reviewer->fail = true;
  Authenticator authn({}, reviewer);
  const HeaderList h = {{"Authorization", "Bearer t"}};
  EXPECT_EQ(authn.Authenticate({}, h, true, kNow).outcome, Outcome::kUnauthorized);
  EXPECT_EQ(authn.Authenticate({}, h, false, kNow).outcome, Outcome::kWouldBlock);
}

TEST(AuthenticatorTest, ExtraKeysArePercentDecodedAndLowerCased) {
  EXPECT_EQ(DecodeExtraKey("Scopes"), "scopes");
  EXPECT_EQ(DecodeExtraKey("example.com%2fFoo"), "example.com/foo");
  // Malformed escapes keep the key, lower-cased and still encoded, as k8s does (m10).
  EXPECT_EQ(DecodeExtraKey("Bad%2"), "bad%2");
  EXPECT_EQ(DecodeExtraKey("bad%zz"), "bad%zz");
}

TEST(AuthenticatorTest, ACertificateIsCheckedAgainstItsExpiryOnEveryRequest) {
  Authenticator authn({}, nullptr);
  ClientCertificate alice;
  alice.present = alice.verified_by_client_ca = true;
  alice.common_name = "alice";
  alice.not_after = kNow + 60;
  EXPECT_EQ(authn.Authenticate(alice, {}, false, kNow).outcome, Outcome::kAuthenticated);
  const auto later = authn.Authenticate(alice, {}, false, kNow + 61);  // same connection
  EXPECT_EQ(later.outcome, Outcome::kUnauthorized);
  EXPECT_EQ(later.failure, AuthnFailure::kExpiredCertificate);
  ClientCertificate expired;
  expired.present = expired.expired = true;
  expired.error = "client CA: certificate has expired";
  EXPECT_EQ(authn.Authenticate(expired, {}, false, kNow).failure,
            AuthnFailure::kExpiredCertificate);
  ClientCertificate foreign;
  foreign.present = true;
  EXPECT_EQ(authn.Authenticate(foreign, {}, false, kNow).failure,
            AuthnFailure::kUntrustedCertificate);
}

TEST(AuthenticatorTest, MalformedTokensAreRefusedWithoutAReview) {
  auto reviewer = std::make_shared<testing::ScriptedTokenReviewer>();
  Authenticator authn({}, reviewer);
  for (const std::string& token :
       {std::string("abc\xff"), std::string("a\x01b"), std::string(17 * 1024, 'a')}) {
    const std::string value = "Bearer " + token;
    const auto r = authn.Authenticate({}, {{"Authorization", value}}, true, kNow);
    EXPECT_EQ(r.outcome, Outcome::kUnauthorized);
    EXPECT_EQ(r.failure, AuthnFailure::kMalformedCredential);
  }
  EXPECT_EQ(reviewer->calls, 0);
}

TEST(AuthenticatorTest, RandomTokensDoNotPushOutValidOnes) {
  auto reviewer = std::make_shared<testing::ScriptedTokenReviewer>();
  reviewer->users["good"] = UserInfo{"hpa", "", {}, {}};
  AuthenticationOptions options;
  options.max_cached_users = 10;
  options.max_cached_rejections = 10;
  Authenticator authn(options, reviewer);
  const HeaderList good = {{"Authorization", "Bearer good"}};
  ASSERT_EQ(authn.Authenticate({}, good, true, kNow).outcome, Outcome::kAuthenticated);
  for (int i = 0; i < 500; ++i) {
    const std::string value = "Bearer r" + std::to_string(i);  // the list holds views
    const HeaderList random = {{"Authorization", value}};
    EXPECT_EQ(authn.Authenticate({}, random, true, kNow).failure, AuthnFailure::kInvalidToken);
  }
  EXPECT_EQ(authn.Authenticate({}, good, false, kNow).outcome, Outcome::kAuthenticated);
}

TEST(AuthenticatorTest, FrontProxyAsKubernetesReadsIt) {
  AuthenticationOptions options;
  options.uid_headers = {"X-Remote-Uid"};
  Authenticator authn(options, nullptr);
  const HeaderList headers = {{"X-Remote-User", "alice"},
                              {"X-Remote-Uid", "u-123"},
                              {"X-Remote-Group", ""},
                              {"X-Remote-Group", "devs"},
                              {"X-Remote-Extra-Scopes%zz", "read-only"}};
  const auto r = authn.Authenticate(FrontProxy(), headers, false, kNow);
  ASSERT_EQ(r.outcome, Outcome::kAuthenticated);
  EXPECT_EQ(r.user.uid, "u-123");
  EXPECT_EQ(r.user.groups, (std::vector<std::string>{"devs", "system:authenticated"}));
  // A restricting extra with a malformed escape is kept, still encoded (m10).
  EXPECT_EQ(r.user.extra.at("scopes%zz"), std::vector<std::string>{"read-only"});
}

}  // namespace
}  // namespace prescale::apiserver
