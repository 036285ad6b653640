#include "apiserver/authenticator.h"

#include <gtest/gtest.h>

#include "tests/apiserver/test_doubles.h"

namespace prescale::apiserver {
namespace {

using Outcome = AuthenticationResult::Outcome;

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
  const auto ok = authn.Authenticate(FrontProxy(), headers, false);
  ASSERT_EQ(ok.outcome, Outcome::kAuthenticated);
  EXPECT_EQ(ok.user.name, "system:kube-aggregator");
  EXPECT_EQ(ok.user.groups,
            (std::vector<std::string>{"system:masters", "ops", "system:authenticated"}));
  EXPECT_EQ(ok.user.extra.at("scopes/a"), std::vector<std::string>{"s1"});

  // The same headers without a front-proxy certificate are ignored: the caller is anonymous.
  const auto anon = authn.Authenticate(ClientCertificate{}, headers, false);
  ASSERT_EQ(anon.outcome, Outcome::kAuthenticated);
  EXPECT_EQ(anon.user.name, "system:anonymous");

  // ...or the client certificate's own identity.
  ClientCertificate alice;
  alice.present = alice.verified_by_client_ca = true;
  alice.common_name = "alice";
  alice.organizations = {"traders"};
  const auto a = authn.Authenticate(alice, headers, false);
  EXPECT_EQ(a.user.name, "alice");
  EXPECT_EQ(a.user.groups, (std::vector<std::string>{"traders", "system:authenticated"}));
}

TEST(AuthenticatorTest, FailedCredentialsAre401NotAnonymous) {
  Authenticator authn({}, nullptr);
  ClientCertificate foreign;
  foreign.present = true;
  foreign.error = "client CA: unable to get local issuer certificate";
  EXPECT_EQ(authn.Authenticate(foreign, {}, false).outcome, Outcome::kUnauthorized);
  EXPECT_EQ(authn.Authenticate(FrontProxy(), {}, false).outcome, Outcome::kUnauthorized);
  EXPECT_EQ(authn.Authenticate({}, {{"Authorization", "Bearer abc"}}, false).outcome,
            Outcome::kUnauthorized);  // no TokenReview configured
  AuthenticationOptions no_anonymous;
  no_anonymous.anonymous = false;
  EXPECT_EQ(Authenticator(no_anonymous, nullptr).Authenticate({}, {}, false).outcome,
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
  EXPECT_EQ(authn.Authenticate({}, good, false).outcome, Outcome::kWouldBlock);
  const auto first = authn.Authenticate({}, good, true);
  ASSERT_EQ(first.outcome, Outcome::kAuthenticated);
  EXPECT_TRUE(first.from_remote);
  EXPECT_EQ(first.user.groups.back(), "system:authenticated");
  const auto second = authn.Authenticate({}, good, false);
  EXPECT_EQ(second.outcome, Outcome::kAuthenticated);
  EXPECT_FALSE(second.from_remote);
  EXPECT_EQ(reviewer->calls, 1);

  const HeaderList bad = {{"Authorization", "Bearer bad"}};
  EXPECT_EQ(authn.Authenticate({}, bad, true).outcome, Outcome::kUnauthorized);
  EXPECT_EQ(authn.Authenticate({}, bad, false).outcome, Outcome::kUnauthorized);  // cached denial
  EXPECT_EQ(reviewer->calls, 2);
}

TEST(AuthenticatorTest, UnreachableTokenReviewFailsClosedAndIsNotCached) {
  auto reviewer = std::make_shared<testing::ScriptedTokenReviewer>();
  reviewer->fail = true;
  Authenticator authn({}, reviewer);
  const HeaderList h = {{"Authorization", "Bearer t"}};
  EXPECT_EQ(authn.Authenticate({}, h, true).outcome, Outcome::kUnauthorized);
  EXPECT_EQ(authn.Authenticate({}, h, false).outcome, Outcome::kWouldBlock);
}

TEST(AuthenticatorTest, ExtraKeysArePercentDecodedAndLowerCased) {
  EXPECT_EQ(DecodeExtraKey("Scopes"), "scopes");
  EXPECT_EQ(DecodeExtraKey("example.com%2fFoo"), "example.com/foo");
  EXPECT_EQ(DecodeExtraKey("bad%2"), "");
  EXPECT_EQ(DecodeExtraKey("bad%zz"), "");
}

}  // namespace
}  // namespace prescale::apiserver
