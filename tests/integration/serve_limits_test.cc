// The bounds of the real `prescale serve`'s HTTPS server, over real TLS: bodies refused before
// authentication, 414/431 for oversized requests, slow requests closed, a connection cap that
// keeps serving the connections it has, a bounded review queue, and garbage paths answered 400
// without a review. Each bound is counted in prescale_limit_rejections_total.
#include <thread>

#include "tests/integration/serve_fixture.h"

namespace prescale::testing {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

constexpr const char* kList = "/apis/external.metrics.k8s.io/v1beta1/namespaces/trading/";

class ServeLimitsTest : public ServeFixture {
 protected:
  int Reviews() const {
    return fake_->CallCount(FakeEndpoint::kTokenReview) +
           fake_->CallCount(FakeEndpoint::kSubjectAccessReview);
  }

  void StartServe(std::vector<std::string> extra = {}) {
    ServeAsAlice(std::move(extra), kPolicy, /*demo=*/true);
  }

  double Limit(const std::string& kind) {
    return MetricSample("prescale_limit_rejections_total{kind=\"" + kind + "\"}");
  }
};

TEST_F(ServeLimitsTest, ABodyIsRefusedFromItsHeaderBeforeAuthentication) {
  StartServe();
  HttpsConnection c(Client());  // anonymous
  ASSERT_TRUE(c.connected()) << c.error();
  // The header announces 1 MiB; the body is never sent, and the answer does not wait for it.
  ASSERT_TRUE(c.SendRaw("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n"));
  const HttpsResult r = c.ReadResponse();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.response->status, 413);
  EXPECT_EQ(r.response->Json()["reason"], "RequestEntityTooLarge");
  EXPECT_EQ(r.response->Header("Connection"), "close");
  EXPECT_EQ(Reviews(), 0) << "no review for a refused body";
  EXPECT_EQ(Limit("body_bytes"), 1);
}

TEST_F(ServeLimitsTest, OversizedTargetsAndHeadersAre414And431WithAStatus) {
  StartServe();
  const HttpsResult long_target = HttpsGet(Client(&alice_), "/" + std::string(70000, 'a'));
  ASSERT_TRUE(long_target.ok()) << long_target.error;
  EXPECT_EQ(long_target.response->status, 414);
  EXPECT_EQ(long_target.response->Json()["kind"], "Status");
  const HttpsResult big_header =
      HttpsGet(Client(&alice_), "/healthz", {{"X-Padding", std::string(70000, 'b')}});
  ASSERT_TRUE(big_header.ok()) << big_header.error;
  EXPECT_EQ(big_header.response->status, 431);
  // Within the transport's 16 KiB but a decoded path over 4 KiB: 414 before authentication.
  const HttpsResult long_path = HttpsGet(Client(), "/" + std::string(5000, 'c'));
  ASSERT_TRUE(long_path.ok()) << long_path.error;
  EXPECT_EQ(long_path.response->status, 414);
  EXPECT_EQ(Limit("uri_bytes"), 2);
  EXPECT_EQ(Limit("header_bytes"), 1);
  EXPECT_EQ(HttpsGet(Client(), "/healthz").response->status, 200);
}

TEST_F(ServeLimitsTest, GarbagePathsAre400WithoutAReviewOrAnErrorLine) {
  StartServe();
  fake_->ClearRequests();
  for (const char* target : {"/%FF%FE", "/apis/external.metrics.k8s.io/v1beta1/namespaces/a%2Fb/m",
                             "/apis/external.metrics.k8s.io/v1beta1/namespaces/NOPE/m"}) {
    const HttpsResult r = HttpsGet(Client(), target, {{"Authorization", "Bearer \xff\xfe"}});
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.response->status, 400) << target;
    EXPECT_EQ(r.response->Json()["reason"], "BadRequest") << target;
  }
  // A malformed token on a valid path: 401 without a TokenReview.
  const HttpsResult token = HttpsGet(Client(), "/apis", {{"Authorization", "Bearer \xff\xfe"}});
  EXPECT_EQ(token.response->status, 401);
  EXPECT_EQ(Reviews(), 0);
  EXPECT_EQ(process_->ReadStderr().find("\"level\":\"error\""), std::string::npos);
  EXPECT_EQ(MetricSample("prescale_authentication_failures_total{reason=\"malformed_credential\","
                         "surface=\"https\"}"),
            1);
}

TEST_F(ServeLimitsTest, ARequestTrickledTooSlowlyIsClosed) {
  StartServe({"--read-header-timeout", "2s"});
  HttpsConnection slow(Client(&alice_));
  ASSERT_TRUE(slow.connected());
  ASSERT_TRUE(slow.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
  const auto start = std::chrono::steady_clock::now();
  slow.set_timeout(10s);
  bool closed = false;
  for (int i = 0; i < 40 && !closed; ++i) {  // one header byte every 250 ms
    std::this_thread::sleep_for(250ms);
    closed = !slow.SendRaw("X");
  }
  if (!closed) closed = !slow.ReadResponse().ok();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(closed);
  EXPECT_LT(seconds, 8) << "closed between the timeout and the timeout plus the watch tick";
  EXPECT_EQ(Limit("request_timeout"), 1);
  // An idle kept-alive connection is not a slow request: it keeps being served.
  HttpsConnection idle(Client(&alice_));
  ASSERT_EQ(idle.Send({"GET", "/healthz"}).response->status, 200);
  std::this_thread::sleep_for(3s);
  const HttpsResult again = idle.Send({"GET", "/healthz"});
  ASSERT_TRUE(again.ok()) << again.error;
  EXPECT_EQ(again.response->status, 200);
}

TEST_F(ServeLimitsTest, ConnectionsAboveTheCapAreClosedAndOpenOnesKeepBeingServed) {
  StartServe({"--max-connections", "3"});
  std::vector<std::unique_ptr<HttpsConnection>> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(std::make_unique<HttpsConnection>(Client(&alice_)));
    ASSERT_TRUE(open.back()->connected()) << open.back()->error();
  }
  HttpsClientOptions fast = Client(&alice_);
  fast.timeout = 2s;
  const HttpsResult refused = HttpsGet(fast, "/healthz");
  EXPECT_FALSE(refused.ok());
  for (auto& c : open) {
    const HttpsResult r = c->Send({"GET", "/healthz"});
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.response->status, 200);
  }
  const HttpsResult metrics = open[0]->Send({"GET", "/metrics"});
  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(metrics.response->body.find("prescale_limit_rejections_total{kind=\"connections\"} 1"),
            std::string::npos);
  open.pop_back();  // a slot frees up
  EXPECT_TRUE(WaitUntil([&] { return HttpsGet(fast, "/healthz").ok(); }, 5s, 100ms));
}

TEST_F(ServeLimitsTest, ReviewsWaitInABoundedQueue) {
  StartServe({"--delegation-threads", "1", "--max-pending-reviews", "2"});
  fake_->SetAuthorizer([](const json&) { return true; });
  fake_->SetDelay(1500ms);  // every review is slow
  // Five different users need five reviews: two wait, the others are told to come back.
  std::vector<IssuedCert> users;
  for (int i = 0; i < 5; ++i)
    users.push_back(
        client_ca_->IssueClient("user" + std::to_string(i), "user" + std::to_string(i)));
  std::vector<std::thread> threads;
  std::vector<int> codes(users.size());
  for (size_t i = 0; i < users.size(); ++i) {
    threads.emplace_back([&, i] {
      HttpsClientOptions o = Client(&users[i]);
      o.timeout = 15s;
      const HttpsResult r = HttpsGet(o, std::string(kList) + "order_flow_rate");
      codes[i] = r.ok() ? r.response->status : -1;
    });
    std::this_thread::sleep_for(50ms);
  }
  for (auto& t : threads) t.join();
  const auto count = [&](int code) { return std::count(codes.begin(), codes.end(), code); };
  EXPECT_EQ(count(200), 2);
  EXPECT_EQ(count(429), 3);
  fake_->SetDelay(0ms);
  EXPECT_GE(Limit("review_queue"), 3);
}

TEST_F(ServeLimitsTest, AlwaysAllowWithAnonymousRefusesANonLoopbackAddress) {
  dir_ = std::make_unique<TempDir>("prescale-limits-flags");
  const std::string policy = (dir_->path() / "policy.yaml").string();
  std::ofstream(policy) << kPolicy;
  Process p = Process::Start(
      {{BinaryPath(), "serve", "--config", policy, "--demo-data", "--authorization-mode",
        "AlwaysAllow", "--bind-address", "0.0.0.0", "--secure-port", std::to_string(FreeTcpPort()),
        "--cert-dir", (dir_->path() / "certs").string()}});
  EXPECT_EQ(p.Wait(20s).value_or(-1), 2);
  EXPECT_NE(p.ReadStderr().find("bind to a loopback address or pass --anonymous-auth=false"),
            std::string::npos);
}

}  // namespace
}  // namespace prescale::testing
