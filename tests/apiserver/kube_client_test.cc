// The kube-apiserver client against the fake kube-apiserver over real TLS: connections kept
// alive and reused, a connection the server dropped replaced transparently, and the delegated
// reviewers' fail-closed reading of odd answers.
#include "apiserver/kube_client.h"

#include <gtest/gtest.h>

#include "apiserver/delegated_reviewers.h"
#include "tests/support/fake_kube_apiserver.h"

namespace prescale::apiserver {
namespace {

using testsupport::FakeKubeApiserver;

class KubeClientTest : public ::testing::Test {
 protected:
  KubeClientTest() {
    std::string error;
    std::optional<KubeClientConfig> config =
        LoadKubeconfig(fake_.kubeconfig_client_cert().string(), &error);
    EXPECT_TRUE(config) << error;
    client_ = std::make_shared<const KubeClient>(*config, std::chrono::seconds(5));
  }

  FakeKubeApiserver fake_;
  std::shared_ptr<const KubeClient> client_;
};

TEST_F(KubeClientTest, ReviewsReuseOneKeptAliveConnection) {
  fake_.SetToken("good", {"alice", "", {}, {}});
  KubeTokenReviewer reviewer(client_);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(reviewer.Review("good").outcome, TokenReviewResult::Outcome::kAuthenticated);
  EXPECT_EQ(client_->connections_opened(), 1u);

  fake_.SetDown(true);  // drops the kept-alive connection
  fake_.SetDown(false);
  EXPECT_EQ(reviewer.Review("good").outcome, TokenReviewResult::Outcome::kAuthenticated);
  EXPECT_EQ(client_->connections_opened(), 2u);

  fake_.SetDown(true);
  const TokenReviewResult down = reviewer.Review("good");
  EXPECT_EQ(down.outcome, TokenReviewResult::Outcome::kError);  // fails closed
  fake_.SetDown(false);
}

TEST_F(KubeClientTest, AnAuthenticatedTokenWithoutAUserNameFailsClosed) {
  fake_.SetToken("nameless", {"", "uid-1", {"system:authenticated"}, {}});
  const TokenReviewResult r = KubeTokenReviewer(client_).Review("nameless");
  EXPECT_EQ(r.outcome, TokenReviewResult::Outcome::kError);
  EXPECT_EQ(r.message, "TokenReview authenticated the token but named no user");
}

}  // namespace
}  // namespace prescale::apiserver
