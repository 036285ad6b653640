#include "apiserver/handler.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/apiserver/test_doubles.h"

namespace prescale::apiserver {
namespace {

using nlohmann::json;

class HandlerTest : public ::testing::Test {
 protected:
  HandlerTest() {
    const auto t = std::chrono::system_clock::from_time_t(1764149400);
    for (const char* venue : {"xnas", "xnys", "arcx"}) {
      provider_.values.push_back({"order_flow_rate", {{"venue", venue}}, t, 15, 1000, ""});
      provider_.values.push_back(
          {"order_flow_rate_forecast", {{"venue", venue}}, t, 15, 2500.5, ""});
    }
    reviewer_->decide = [](const AccessAttributes& a) {
      return a.user.name == "hpa"      ? AccessReviewResult::Outcome::kAllowed
             : a.user.name == "broken" ? AccessReviewResult::Outcome::kError
                                       : AccessReviewResult::Outcome::kDenied;
    };
  }

  HttpResponse Get(const std::string& target, HeaderList headers = {},
                   const ClientCertificate* cert = nullptr, std::string method = "GET") {
    HttpRequest r;
    r.method = method_storage_ = method;
    r.target = target;
    r.headers = std::move(headers);
    r.certificate = cert ? cert : &admin_;
    std::optional<HttpResponse> response = handler_.Handle(r, false);
    if (!response) response = handler_.Handle(r, true);
    return *response;
  }

  static ClientCertificate User(std::string name, std::vector<std::string> groups = {}) {
    ClientCertificate c;
    c.present = c.verified_by_client_ca = true;
    c.common_name = std::move(name);
    c.organizations = std::move(groups);
    return c;
  }

  std::string Metrics() {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, registry_.Collect());
    return out.str();
  }

  testing::StaticProvider provider_;
  std::shared_ptr<testing::ScriptedAccessReviewer> reviewer_ =
      std::make_shared<testing::ScriptedAccessReviewer>();
  Authenticator authenticator_{{}, nullptr};
  Authorizer authorizer_{{}, reviewer_};
  prometheus::Registry registry_;
  ServerMetrics metrics_{registry_};
  ApiHandler handler_{
      provider_, authenticator_, authorizer_, metrics_, {R"({"gitVersion":"v0.1.0"})", [] {
                                                           return std::string("# metrics\n");
                                                         }}};
  ClientCertificate admin_ = User("admin", {"system:masters"});
  std::string method_storage_;
};

const std::string kList = "/apis/external.metrics.k8s.io/v1beta1/namespaces/trading/";

TEST_F(HandlerTest, DiscoveryDocuments) {
  auto r = Get("/apis/external.metrics.k8s.io/v1beta1");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(json::parse(r.body)["resources"].size(), 2u);
  EXPECT_EQ(json::parse(Get("/apis/external.metrics.k8s.io/v1beta1/").body)["kind"],
            "APIResourceList");
  EXPECT_EQ(json::parse(Get("/apis").body)["kind"], "APIGroupList");
  EXPECT_EQ(json::parse(Get("/apis/external.metrics.k8s.io").body)["kind"], "APIGroup");
  EXPECT_EQ(json::parse(Get("/version").body)["gitVersion"], "v0.1.0");
}

TEST_F(HandlerTest, ListFiltersBySelector) {
  auto r = Get(kList + "order_flow_rate_forecast?labelSelector=venue%20in%20(xnas,arcx)",
               {{"Accept", "application/vnd.kubernetes.protobuf, */*"}});
  ASSERT_EQ(r.status, 200);
  const json body = json::parse(r.body);
  EXPECT_EQ(body["kind"], "ExternalMetricValueList");
  ASSERT_EQ(body["items"].size(), 2u);
  EXPECT_EQ(body["items"][0]["metricLabels"]["venue"], "xnas");
  EXPECT_EQ(body["items"][0]["value"], "2500500m");
  EXPECT_EQ(body["items"][1]["metricLabels"]["venue"], "arcx");
  EXPECT_EQ(json::parse(Get(kList + "order_flow_rate").body)["items"].size(), 3u);
  EXPECT_EQ(
      json::parse(Get(kList + "order_flow_rate?labelSelector=venue%3Dnone").body)["items"].size(),
      0u);
}

TEST_F(HandlerTest, ErrorsAreStatusObjects) {
  auto bad = Get(kList + "order_flow_rate?labelSelector=venue%3E3");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::parse(bad.body)["reason"], "BadRequest");
  auto unknown = Get(kList + "nope");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(json::parse(unknown.body)["message"],
            "the server could not find the metric nope for namespaces");
  EXPECT_EQ(Get("/apis/external.metrics.k8s.io/v1beta1/order_flow_rate").status,
            404);  // no cluster scope
  EXPECT_EQ(Get("/apis/external.metrics.k8s.io/v1beta1/namespaces/foo").status, 404);
  EXPECT_EQ(Get(kList + "order_flow_rate/extra").status, 404);
  EXPECT_EQ(Get("/nothing/here").status, 404);
  auto post = Get(kList + "order_flow_rate", {}, nullptr, "POST");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(json::parse(post.body)["reason"], "MethodNotAllowed");
  EXPECT_EQ(Get("/apis", {{"Accept", "application/vnd.kubernetes.protobuf"}}).status, 406);
  provider_.error = ProviderError{ProviderError::Kind::kUnavailable, "data is 700s old"};
  auto stale = Get(kList + "order_flow_rate");
  EXPECT_EQ(stale.status, 503);
  EXPECT_EQ(json::parse(stale.body)["message"], "data is 700s old");
  provider_.error = ProviderError{ProviderError::Kind::kInternal, "boom"};
  EXPECT_EQ(Get(kList + "order_flow_rate").status, 500);
}

TEST_F(HandlerTest, OversizedSelectorsAre400WithoutEchoAndCounted) {
  std::string many;  // 101 requirements
  for (int i = 0; i <= 100; ++i) many += (i ? "," : "") + std::string("k") + std::to_string(i);
  const std::string secretish = "venue%3D" + std::string(5000, 'x');
  for (const std::string& selector : {many, secretish}) {
    auto r = Get(kList + "order_flow_rate?labelSelector=" + selector);
    EXPECT_EQ(r.status, 400);
    const json status = json::parse(r.body);
    EXPECT_EQ(status["reason"], "BadRequest");
    const std::string message = status["message"];
    EXPECT_LT(message.size(), 200u) << message;
    EXPECT_NE(message.find("..."), std::string::npos) << message;
  }
  EXPECT_NE(Metrics().find("prescale_limit_rejections_total{kind=\"selector\"} 2"),
            std::string::npos)
      << Metrics();
  // A malformed selector is a 400 too, not counted as a bound.
  EXPECT_EQ(Get(kList + "order_flow_rate?labelSelector=venue%3E3").status, 400);
  EXPECT_NE(Metrics().find("prescale_limit_rejections_total{kind=\"selector\"} 2"),
            std::string::npos);
  // Within the bounds, served as before.
  EXPECT_EQ(Get(kList + "order_flow_rate?labelSelector=venue%3Dxnas").status, 200);
}

TEST_F(HandlerTest, EncodedResponsesAreReusedOnlyWithinOneGeneration) {
  const std::string target = kList + "order_flow_rate?labelSelector=venue%3Dxnas";
  provider_.generation = 7;
  EXPECT_EQ(json::parse(Get(target).body)["items"][0]["value"], "1k");
  provider_.values[0].value = 2000;  // same generation: the encoded answer is reused
  EXPECT_EQ(json::parse(Get(target).body)["items"][0]["value"], "1k");
  provider_.generation = 8;  // a new snapshot: encoded again
  EXPECT_EQ(json::parse(Get(target).body)["items"][0]["value"], "2k");
  provider_.generation = 0;  // reuse disabled
  provider_.values[0].value = 3000;
  EXPECT_EQ(json::parse(Get(target).body)["items"][0]["value"], "3k");
  // Errors are never reused.
  provider_.generation = 9;
  provider_.error = ProviderError{ProviderError::Kind::kUnavailable, "stale"};
  EXPECT_EQ(Get(target).status, 503);
  provider_.error.reset();
  EXPECT_EQ(Get(target).status, 200);
}

TEST_F(HandlerTest, HealthAndReadiness) {
  EXPECT_EQ(Get("/healthz").body, "ok");
  EXPECT_EQ(Get("/livez").status, 200);
  EXPECT_EQ(Get("/readyz").status, 200);
  provider_.ready = false;
  auto r = Get("/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("[-]snapshot failed"), std::string::npos);
  EXPECT_EQ(Get("/livez").status, 200);  // liveness does not depend on data
}

TEST_F(HandlerTest, OpenApiDocumentsDescribeTheGroup) {
  const json v2 = json::parse(Get("/openapi/v2").body);
  EXPECT_EQ(v2["swagger"], "2.0");
  EXPECT_TRUE(v2["paths"].contains(
      "/apis/external.metrics.k8s.io/v1beta1/namespaces/{namespace}/{metricName}"));
  const json index = json::parse(Get("/openapi/v3").body);
  const std::string url =
      index["paths"]["apis/external.metrics.k8s.io/v1beta1"]["serverRelativeURL"];
  EXPECT_EQ(url.rfind("/openapi/v3/apis/external.metrics.k8s.io/v1beta1?hash=", 0), 0u);
  const json v3 = json::parse(Get(url).body);
  EXPECT_EQ(v3["openapi"], "3.0.0");
  EXPECT_TRUE(v3["components"]["schemas"].contains(
      "io.k8s.metrics.pkg.apis.external_metrics.v1beta1.ExternalMetricValueList"));
}

TEST_F(HandlerTest, DelegatedAuthorization) {
  const ClientCertificate hpa = User("hpa");
  EXPECT_EQ(Get(kList + "order_flow_rate", {}, &hpa).status, 200);
  const ClientCertificate mallory = User("mallory");
  auto denied = Get(kList + "order_flow_rate", {}, &mallory);
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(
      json::parse(denied.body)["message"],
      "order_flow_rate.external.metrics.k8s.io is forbidden: User \"mallory\" cannot list "
      "resource \"order_flow_rate\" in API group \"external.metrics.k8s.io\" in the namespace "
      "\"trading\": scripted");
  EXPECT_EQ(Get("/healthz", {}, &mallory).status, 200);  // always-allowed path
  EXPECT_EQ(Get("/apis", {}, &mallory).status, 403);
  const ClientCertificate broken = User("broken");
  EXPECT_EQ(Get(kList + "order_flow_rate", {}, &broken).status,
            500);  // reviewer error: fail closed
  ClientCertificate foreign;
  foreign.present = true;
  auto unauthorized = Get("/healthz", {}, &foreign);
  EXPECT_EQ(unauthorized.status, 401);
  EXPECT_EQ(json::parse(unauthorized.body)["reason"], "Unauthorized");
}

TEST_F(HandlerTest, RequestsAreCountedByRouteAndCode) {
  Get(kList + "order_flow_rate");
  Get(kList + "nope");
  const std::string text = Metrics();
  EXPECT_NE(
      text.find("prescale_http_requests_total{code=\"200\",path=\"/apis/external.metrics.k8s.io/"
                "v1beta1/namespaces/{namespace}/{metric}\"} 1"),
      std::string::npos)
      << text.substr(0, 2000);
  EXPECT_NE(
      text.find("prescale_http_requests_total{code=\"404\",path=\"/apis/external.metrics.k8s.io/"
                "v1beta1/namespaces/{namespace}/{metric}\"} 1"),
      std::string::npos);
}

TEST_F(HandlerTest, MalformedAndOversizedPathsAreRefusedBeforeAnyReview) {
  ApiHandler handler(provider_, authenticator_, authorizer_, metrics_, {});
  const ClientCertificate bob = User("bob");  // needs a review for anything
  HttpRequest r;
  r.method = "GET";
  r.certificate = &bob;
  for (const std::string target : {"/%FF", "/apis/g/v/namespaces/a%2Fb/m", "/x%00"}) {
    r.target = target;
    const std::optional<HttpResponse> response = handler.Handle(r, true);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 400) << target;
    EXPECT_EQ(json::parse(response->body)["reason"], "BadRequest");
  }
  r.method = "BREW";  // not a verb any review could be about
  r.target = "/healthz";
  EXPECT_EQ(handler.Handle(r, true)->status, 405);
  r.method = "GET";
  const std::string long_path = "/" + std::string(5000, 'a');
  r.target = long_path;
  EXPECT_EQ(handler.Handle(r, true)->status, 414);
  EXPECT_EQ(reviewer_->calls, 0);
  EXPECT_NE(Metrics().find("prescale_limit_rejections_total{kind=\"uri_bytes\"} 1"),
            std::string::npos);
}

TEST_F(HandlerTest, FailuresAndDenialsAreCountedByReason) {
  ApiHandler handler(provider_, authenticator_, authorizer_, metrics_, {});
  ClientCertificate foreign;
  foreign.present = true;
  foreign.common_name = "mallory\xff";  // invalid UTF-8 reaches no JSON encoder as an exception
  const ClientCertificate bob = User("bob\xff");
  HttpRequest r;
  r.method = "GET";
  const std::string target = kList + "order_flow_rate";  // the request holds a view
  r.target = target;
  r.certificate = &foreign;
  EXPECT_EQ(handler.Handle(r, true)->status, 401);
  r.certificate = &bob;
  const std::optional<HttpResponse> denied = handler.Handle(r, true);
  EXPECT_EQ(denied->status, 403);
  EXPECT_NO_THROW(json::parse(denied->body));
  const std::string text = Metrics();
  EXPECT_NE(text.find("prescale_authentication_failures_total{reason=\"untrusted_certificate\","
                      "surface=\"https\"} 1"),
            std::string::npos);
  EXPECT_NE(
      text.find("prescale_authorization_denials_total{reason=\"denied\",surface=\"https\"} 1"),
      std::string::npos);
}

// prescale_delegation_requests_total counts calls to the kube-apiserver by their result: a
// TokenReview that could not be made is an error (what PrescaleDelegationErrors alerts on), not a
// denial, and answers from the caches are no calls at all.
TEST_F(HandlerTest, DelegationCallsAreCountedByResult) {
  auto tokens = std::make_shared<testing::ScriptedTokenReviewer>();
  tokens->users["good"] = UserInfo{"hpa", "", {}, {}};
  Authenticator authenticator({}, tokens);
  ApiHandler handler(provider_, authenticator, authorizer_, metrics_, {});
  const std::string target = kList + "order_flow_rate";
  auto get = [&](const std::string& token) {
    HttpRequest r;
    r.method = "GET";
    r.target = target;
    const std::string authorization = "Bearer " + token;  // headers are views: keep it alive
    r.headers = {{"Authorization", authorization}};
    std::optional<HttpResponse> response = handler.Handle(r, false);
    if (!response) response = handler.Handle(r, true);
    return response->status;
  };
  EXPECT_EQ(get("good"), 200);  // a TokenReview and a SubjectAccessReview
  EXPECT_EQ(get("good"), 200);  // both from the caches
  EXPECT_EQ(get("bad"), 401);
  tokens->fail = true;
  EXPECT_EQ(get("other"), 401);
  EXPECT_EQ(tokens->calls, 3);
  EXPECT_EQ(reviewer_->calls, 1);
  const std::string text = Metrics();
  for (const char* line :
       {"prescale_delegation_requests_total{kind=\"tokenreview\",result=\"allowed\"} 1",
        "prescale_delegation_requests_total{kind=\"tokenreview\",result=\"denied\"} 1",
        "prescale_delegation_requests_total{kind=\"tokenreview\",result=\"error\"} 1",
        "prescale_delegation_requests_total{kind=\"subjectaccessreview\",result=\"allowed\"} 1"})
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
}

}  // namespace
}  // namespace prescale::apiserver
