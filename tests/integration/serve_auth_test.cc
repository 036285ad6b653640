// Authentication and delegated authorization of the real server, with the kube-apiserver's
// TokenReview and SubjectAccessReview endpoints faked (the one fake allowed).
#include <nlohmann/json.hpp>

#include "tests/integration/serve_fixture.h"

namespace prescale::testing {
namespace {

using nlohmann::json;

const std::string kTarget =
    "/apis/external.metrics.k8s.io/v1beta1/namespaces/trading/order_flow_rate_forecast";

class ServeAuthTest : public ServeFixture {
 protected:
  void SetUp() override {
    StartServe({"--authorization-webhook-cache-unauthorized-ttl", "0s"});
    fake_->SetAuthorizer([](const json& spec) {
      const std::string user = spec.value("user", "");
      return user == "alice" ||
             user == "system:serviceaccount:kube-system:horizontal-pod-autoscaler" ||
             user == "aggregated-user";
    });
    fake_->SetToken("hpa-token",
                    {"system:serviceaccount:kube-system:horizontal-pod-autoscaler",
                     "uid-1",
                     {"system:serviceaccounts", "system:serviceaccounts:kube-system"}});
  }

  int Status(const IssuedCert* cert, HeaderList headers = {}, const std::string& target = kTarget) {
    const HttpsResult r = HttpsGet(Client(cert), target, std::move(headers));
    EXPECT_TRUE(r.ok()) << r.error;
    return r.ok() ? r.response->status : 0;
  }

  // The `spec` of the last SubjectAccessReview the fake received.
  json LastReview() {
    const auto reviews = fake_->Requests(FakeEndpoint::kSubjectAccessReview);
    return reviews.empty() ? json() : reviews.back().body["spec"];
  }
};

TEST_F(ServeAuthTest, ClientCertificateUserIsAuthorizedBySubjectAccessReview) {
  EXPECT_EQ(Status(&alice_), 200);
  const json spec = LastReview();
  EXPECT_EQ(spec["user"], "alice");
  EXPECT_EQ(spec["groups"], json::array({"traders", "system:authenticated"}));
  EXPECT_EQ(spec["resourceAttributes"],
            json::parse(R"({"namespace":"trading","verb":"list","group":"external.metrics.k8s.io",
                            "version":"v1beta1","resource":"order_flow_rate_forecast"})"));
  // prescale authenticated to the kube-apiserver with its own kubeconfig credentials.
  EXPECT_EQ(fake_->Requests(FakeEndpoint::kSubjectAccessReview).back().caller.kind,
            CallerIdentity::Kind::kClientCert);

  // Allowed answers are cached for 10 s: no second review.
  const int reviews = fake_->CallCount(FakeEndpoint::kSubjectAccessReview);
  EXPECT_EQ(Status(&alice_), 200);
  EXPECT_EQ(fake_->CallCount(FakeEndpoint::kSubjectAccessReview), reviews);
}

TEST_F(ServeAuthTest, DeniedReviewIs403) {
  const HttpsResult r = HttpsGet(Client(&bob_), kTarget);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.response->status, 403);
  const json status = r.response->Json();
  EXPECT_EQ(status["reason"], "Forbidden");
  EXPECT_NE(status["message"].get<std::string>().find(
                "User \"bob\" cannot list resource \"order_flow_rate_forecast\""),
            std::string::npos);
  EXPECT_EQ(LastReview()["user"], "bob");
  if (!FindKubectl().empty()) {
    const KubectlResult k = KubectlGetRaw(Kubectl(&bob_), kTarget);
    EXPECT_NE(k.exit_code, 0);
    EXPECT_NE(k.stderr_text.find("Forbidden"), std::string::npos) << k.stderr_text;
  }
}

TEST_F(ServeAuthTest, NoClientCertificateIsAnonymousAndThenForbidden) {
  EXPECT_EQ(Status(nullptr), 403);
  EXPECT_EQ(LastReview()["user"], "system:anonymous");
  EXPECT_EQ(LastReview()["groups"], json::array({"system:unauthenticated"}));
  EXPECT_EQ(Status(nullptr, {}, "/healthz"), 200);  // probes need no credentials
}

TEST_F(ServeAuthTest, CertificateFromAForeignCaIs401) {
  const HttpsResult r = HttpsGet(Client(&foreign_), kTarget);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.response->status, 401);
  EXPECT_EQ(r.response->Json()["reason"], "Unauthorized");
  EXPECT_EQ(Status(&foreign_, {}, "/healthz"), 401);
  EXPECT_EQ(fake_->CallCount(FakeEndpoint::kSubjectAccessReview), 0);
}

TEST_F(ServeAuthTest, FrontProxyIdentityFromHeaders) {
  const HeaderList headers = {{"X-Remote-User", "aggregated-user"},
                              {"X-Remote-Group", "team-a"},
                              {"X-Remote-Group", "team-b"},
                              {"X-Remote-Extra-Scopes", "read"}};
  EXPECT_EQ(Status(&front_proxy_, headers), 200);
  const json spec = LastReview();
  EXPECT_EQ(spec["user"], "aggregated-user");
  EXPECT_EQ(spec["groups"], json::array({"team-a", "team-b", "system:authenticated"}));
  EXPECT_EQ(spec["extra"]["scopes"], json::array({"read"}));

  // The aggregator's availability check runs as system:masters: no review needed.
  const int reviews = fake_->CallCount(FakeEndpoint::kSubjectAccessReview);
  EXPECT_EQ(
      Status(&front_proxy_,
             {{"X-Remote-User", "system:kube-aggregator"}, {"X-Remote-Group", "system:masters"}},
             "/apis/external.metrics.k8s.io/v1beta1"),
      200);
  EXPECT_EQ(fake_->CallCount(FakeEndpoint::kSubjectAccessReview), reviews);
}

TEST_F(ServeAuthTest, FrontProxyCertificateWithAnUnlistedNameIs401) {
  EXPECT_EQ(
      Status(&rogue_proxy_, {{"X-Remote-User", "alice"}, {"X-Remote-Group", "system:masters"}}),
      401);
}

TEST_F(ServeAuthTest, RemoteUserHeaderWithoutFrontProxyCertificateIsIgnored) {
  // bob claims to be a master through the headers; he stays bob, and bob is denied.
  EXPECT_EQ(Status(&bob_, {{"X-Remote-User", "alice"}, {"X-Remote-Group", "system:masters"}}), 403);
  EXPECT_EQ(LastReview()["user"], "bob");
  EXPECT_EQ(LastReview()["groups"], json::array({"system:authenticated"}));
  // Without any certificate the headers are ignored too: anonymous.
  EXPECT_EQ(Status(nullptr, {{"X-Remote-User", "alice"}}), 403);
  EXPECT_EQ(LastReview()["user"], "system:anonymous");
}

TEST_F(ServeAuthTest, BearerTokensAreReviewedByTokenReview) {
  EXPECT_EQ(Status(nullptr, {{"Authorization", "Bearer hpa-token"}}), 200);
  const auto reviews = fake_->Requests(FakeEndpoint::kTokenReview);
  ASSERT_EQ(reviews.size(), 1u);
  EXPECT_EQ(reviews[0].body["spec"]["token"], "hpa-token");
  EXPECT_EQ(LastReview()["user"], "system:serviceaccount:kube-system:horizontal-pod-autoscaler");
  EXPECT_EQ(LastReview()["uid"], "uid-1");

  EXPECT_EQ(Status(nullptr, {{"Authorization", "Bearer wrong-token"}}), 401);
  if (!FindKubectl().empty()) {
    const KubectlResult ok = KubectlGetRaw(Kubectl(nullptr, "hpa-token"), kTarget);
    EXPECT_EQ(ok.exit_code, 0) << ok.stderr_text;
    const KubectlResult rejected = KubectlGetRaw(Kubectl(nullptr, "wrong-token"), kTarget);
    EXPECT_NE(rejected.exit_code, 0);
    EXPECT_NE(rejected.stderr_text.find("Unauthorized"), std::string::npos) << rejected.stderr_text;
  }
  // The server never logs the token.
  EXPECT_EQ(process_->ReadStderr().find("hpa-token"), std::string::npos);
}

TEST_F(ServeAuthTest, UnreachableDelegationEndpointFailsClosed) {
  fake_->SetDown(true);
  const HttpsResult r = HttpsGet(Client(&bob_), kTarget);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.response->status, 500);
  EXPECT_EQ(r.response->Json()["reason"], "InternalError");
  EXPECT_EQ(Status(nullptr, {{"Authorization", "Bearer some-new-token"}}), 401);
  EXPECT_EQ(Status(nullptr, {}, "/readyz"), 200);  // health does not need the endpoint
  fake_->SetDown(false);
  EXPECT_EQ(Status(&alice_), 200);  // recovered: errors were not cached
}

}  // namespace
}  // namespace prescale::testing
