#include "apiserver/authorizer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "tests/apiserver/test_doubles.h"

namespace prescale::apiserver {
namespace {

using Outcome = AuthorizationDecision::Outcome;
using namespace std::chrono_literals;

// Polls `done` for up to 10 s.
template <class F>
bool Eventually(F done) {
  for (auto end = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < end;
       std::this_thread::sleep_for(5ms))
    if (done()) return true;
  return false;
}

AccessAttributes List(std::string user, std::vector<std::string> groups = {}) {
  AccessAttributes a;
  a.user.name = std::move(user);
  a.user.groups = std::move(groups);
  a.resource_request = true;
  a.verb = "list";
  a.ns = "trading";
  a.group = "external.metrics.k8s.io";
  a.version = "v1beta1";
  a.resource = "order_flow_rate_forecast";
  return a;
}

AccessAttributes Path(std::string path) {
  AccessAttributes a;
  a.user.name = "system:anonymous";
  a.verb = "get";
  a.path = std::move(path);
  return a;
}

TEST(AuthorizerTest, AlwaysAllowedPathsAndMastersSkipTheReview) {
  auto reviewer = std::make_shared<testing::ScriptedAccessReviewer>();
  AuthorizationOptions options;
  options.always_allow_paths = {"/healthz", "/readyz", "/livez", "/debug/*"};
  Authorizer authz(options, reviewer);
  EXPECT_EQ(authz.Authorize(Path("/healthz"), false).outcome, Outcome::kAllowed);
  EXPECT_EQ(authz.Authorize(Path("/debug/pprof"), false).outcome, Outcome::kAllowed);
  EXPECT_EQ(authz.Authorize(Path("/healthzx"), false).outcome, Outcome::kWouldBlock);
  EXPECT_EQ(authz.Authorize(List("admin", {"system:masters"}), false).outcome, Outcome::kAllowed);
  EXPECT_EQ(reviewer->calls, 0);
}

TEST(AuthorizerTest, ReviewsAreCachedSeparatelyForAllowAndDeny) {
  auto reviewer = std::make_shared<testing::ScriptedAccessReviewer>();
  reviewer->decide = [](const AccessAttributes& a) {
    return a.user.name == "hpa" ? AccessReviewResult::Outcome::kAllowed
                                : AccessReviewResult::Outcome::kDenied;
  };
  AuthorizationOptions options;
  options.allowed_ttl = std::chrono::hours(1);
  options.denied_ttl = std::chrono::milliseconds(0);  // deny answers not cached
  Authorizer authz(options, reviewer);
  const AuthorizationDecision first = authz.Authorize(List("hpa"), true);
  EXPECT_EQ(first.outcome, Outcome::kAllowed);
  EXPECT_TRUE(first.from_remote);
  // From the cache: not a SubjectAccessReview (prescale_delegation_requests_total counts only
  // those; it counted every cached answer too before).
  const AuthorizationDecision cached = authz.Authorize(List("hpa"), false);
  EXPECT_EQ(cached.outcome, Outcome::kAllowed);
  EXPECT_FALSE(cached.from_remote);
  EXPECT_EQ(reviewer->calls, 1);
  EXPECT_EQ(authz.Authorize(List("mallory"), true).outcome, Outcome::kDenied);
  EXPECT_EQ(authz.Authorize(List("mallory"), false).outcome, Outcome::kWouldBlock);
  // A different namespace is a different question.
  AccessAttributes other = List("hpa");
  other.ns = "other";
  EXPECT_EQ(authz.Authorize(other, false).outcome, Outcome::kWouldBlock);
  ASSERT_EQ(reviewer->seen.size(), 2u);
  EXPECT_EQ(reviewer->seen[0].verb, "list");
  EXPECT_EQ(reviewer->seen[0].resource, "order_flow_rate_forecast");
}

// A reviewer whose answer the test sets, and which can hold reviews until released.
struct GatedReviewer : AccessReviewer {
  std::atomic<AccessReviewResult::Outcome> answer{AccessReviewResult::Outcome::kAllowed};
  std::atomic<int> calls{0};
  std::mutex mu;
  std::condition_variable cv;
  bool held = false;  // guarded by mu
  AccessReviewResult Review(const AccessAttributes&) override {
    ++calls;
    std::unique_lock lock(mu);
    cv.wait(lock, [this] { return !held; });
    AccessReviewResult r;
    r.outcome = answer;
    return r;
  }
  void Hold(bool on) {
    {
      std::lock_guard lock(mu);
      held = on;
    }
    cv.notify_all();
  }
};

TEST(AuthorizerTest, AnExpiredAllowIsServedWhileOneBackgroundReviewAsksAgain) {
  auto reviewer = std::make_shared<GatedReviewer>();
  AuthorizationOptions options;
  options.allowed_ttl = 30ms;
  options.allowed_stale_grace = 1h;
  Authorizer authz(options, reviewer);
  std::atomic<int> revalidated{0}, denials{0};
  authz.OnRevalidation([&](AccessReviewResult::Outcome outcome, bool queue_full) {
    EXPECT_FALSE(queue_full);
    ++revalidated;
    if (outcome == AccessReviewResult::Outcome::kDenied) ++denials;
  });
  ASSERT_EQ(authz.Authorize(List("hpa"), true).outcome, Outcome::kAllowed);
  std::this_thread::sleep_for(60ms);  // expired

  // Served at once from the stale allow while the re-review (held) runs; asked once, not per
  // request; never kWouldBlock, so no request waits in the review queue.
  reviewer->Hold(true);
  for (int i = 0; i < 20; ++i) {
    const AuthorizationDecision d = authz.Authorize(List("hpa"), false);
    EXPECT_EQ(d.outcome, Outcome::kAllowed);
    EXPECT_FALSE(d.from_remote);
  }
  ASSERT_TRUE(Eventually([&] { return reviewer->calls == 2; }));
  reviewer->Hold(false);
  ASSERT_TRUE(Eventually([&] { return revalidated == 1; }));
  EXPECT_EQ(reviewer->calls, 2);

  // Renewed: fresh again. When it expires and the next review denies, the allow ends at once.
  std::this_thread::sleep_for(60ms);
  reviewer->answer = AccessReviewResult::Outcome::kDenied;
  EXPECT_EQ(authz.Authorize(List("hpa"), false).outcome, Outcome::kAllowed);  // stale, asks
  ASSERT_TRUE(Eventually([&] { return denials == 1; }));
  EXPECT_EQ(authz.Authorize(List("hpa"), false).outcome, Outcome::kDenied);
  EXPECT_EQ(reviewer->calls, 3);
}

TEST(AuthorizerTest, AStaleAllowEndsWithItsGraceWhenReviewsFail) {
  auto reviewer = std::make_shared<GatedReviewer>();
  AuthorizationOptions options;
  options.allowed_ttl = 30ms;
  options.allowed_stale_grace = 200ms;
  Authorizer authz(options, reviewer);
  ASSERT_EQ(authz.Authorize(List("hpa"), true).outcome, Outcome::kAllowed);
  reviewer->answer = AccessReviewResult::Outcome::kError;  // the kube-apiserver is down
  std::this_thread::sleep_for(60ms);
  EXPECT_EQ(authz.Authorize(List("hpa"), false).outcome, Outcome::kAllowed);
  ASSERT_TRUE(Eventually([&] { return reviewer->calls == 2; }));
  // Fail closed once time to live plus grace have passed: no allow lives longer.
  std::this_thread::sleep_for(250ms);
  EXPECT_EQ(authz.Authorize(List("hpa"), false).outcome, Outcome::kWouldBlock);
  EXPECT_EQ(authz.Authorize(List("hpa"), true).outcome, Outcome::kError);
  // Another caller never had an allow: nothing stale to serve.
  EXPECT_EQ(authz.Authorize(List("mallory"), false).outcome, Outcome::kWouldBlock);
}

TEST(AuthorizerTest, WithoutGraceAnExpiredAllowWaitsForTheReview) {
  auto reviewer = std::make_shared<GatedReviewer>();
  AuthorizationOptions options;
  options.allowed_ttl = 30ms;
  options.allowed_stale_grace = 0ms;
  Authorizer authz(options, reviewer);
  ASSERT_EQ(authz.Authorize(List("hpa"), true).outcome, Outcome::kAllowed);
  std::this_thread::sleep_for(60ms);
  EXPECT_EQ(authz.Authorize(List("hpa"), false).outcome, Outcome::kWouldBlock);
  EXPECT_EQ(reviewer->calls, 1);
}

TEST(AuthorizerTest, ReviewerErrorsFailClosedAndAreNotCached) {
  auto reviewer = std::make_shared<testing::ScriptedAccessReviewer>();
  reviewer->decide = [](const AccessAttributes&) { return AccessReviewResult::Outcome::kError; };
  Authorizer authz({}, reviewer);
  EXPECT_EQ(authz.Authorize(List("hpa"), true).outcome, Outcome::kError);
  EXPECT_EQ(authz.Authorize(List("hpa"), false).outcome, Outcome::kWouldBlock);
  EXPECT_EQ(Authorizer({}, nullptr).Authorize(List("hpa"), true).outcome, Outcome::kError);
}

TEST(AuthorizerTest, AlwaysAllowModeAllowsEverything) {
  AuthorizationOptions options;
  options.mode = AuthorizationOptions::Mode::kAlwaysAllow;
  EXPECT_EQ(Authorizer(options, nullptr).Authorize(List("anyone"), false).outcome,
            Outcome::kAllowed);
}

TEST(AuthorizerTest, CacheKeysDistinguishEveryAttribute) {
  AccessAttributes a = List("u", {"g1", "g2"});
  AccessAttributes b = List("u", {"g1g2"});
  EXPECT_NE(AccessCacheKey(a), AccessCacheKey(b));
  b = a;
  b.user.extra["k"] = {"v"};
  EXPECT_NE(AccessCacheKey(a), AccessCacheKey(b));
  b = a;
  b.resource = "order_flow_rate";
  EXPECT_NE(AccessCacheKey(a), AccessCacheKey(b));
}

TEST(AuthorizerTest, CacheKeysAreInjectiveOverExtraAndSubresource) {
  // The review's collision (m1): the same bytes split differently between keys and values.
  AccessAttributes a = List("u", {"g"});
  AccessAttributes b = a;
  a.user.extra = {{"k1", {"v1", "zz", "v3"}}};
  b.user.extra = {{"k1", {"v1"}}, {"zz", {"v3"}}};
  EXPECT_NE(AccessCacheKey(a), AccessCacheKey(b));
  b = a;
  b.subresource = "status";
  EXPECT_NE(AccessCacheKey(a), AccessCacheKey(b));
}

TEST(AuthorizerTest, AFloodOfDenialsDoesNotPushOutAllowedCallers) {
  auto reviewer = std::make_shared<testing::ScriptedAccessReviewer>();
  reviewer->decide = [](const AccessAttributes& a) {
    return a.user.name == "hpa" ? AccessReviewResult::Outcome::kAllowed
                                : AccessReviewResult::Outcome::kDenied;
  };
  AuthorizationOptions options;
  options.max_cached_allowed = 10;
  options.max_cached_denied = 10;
  Authorizer authz(options, reviewer);
  const AccessAttributes hpa = List("hpa", {});
  ASSERT_EQ(authz.Authorize(hpa, true).outcome, AuthorizationDecision::Outcome::kAllowed);
  for (int i = 0; i < 1000; ++i) {
    AccessAttributes anonymous = List("system:anonymous", {"system:unauthenticated"});
    anonymous.resource_request = false;
    anonymous.path = "/" + std::string(60 * 1024, 'x') + std::to_string(i);
    EXPECT_EQ(authz.Authorize(anonymous, true).outcome, AuthorizationDecision::Outcome::kDenied);
  }
  EXPECT_EQ(authz.Authorize(hpa, false).outcome, AuthorizationDecision::Outcome::kAllowed);
  EXPECT_EQ(reviewer->calls, 1001);
}

}  // namespace
}  // namespace prescale::apiserver
