// The KEDA external scaler of the real `prescale serve --demo-data --grpc-port`, driven by the real
// C++ gRPC client over TLS: each RPC against the HTTP API's numbers, health, a stream that is
// pushed an update when a new snapshot changes its answer, errors, client certificates, SIGTERM.
#include <future>

#include "tests/integration/serve_fixture.h"
#include "tests/support/keda_client.h"

namespace prescale::testing {
namespace {

using namespace std::chrono_literals;
using externalscaler::ExternalScaler;
using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;
using Metadata = std::map<std::string, std::string>;

const Metadata kTrigger = {{"metric", "order_flow_rate_forecast"},
                           {"labelSelector", "venue in (xnas,xnys)"},
                           {"targetSize", "2000"}};

// A Kubernetes Quantity as prescale writes it ("1500m", "2k", "1500", "3M") in milli-units.
int64_t QuantityMilli(const std::string& q) {
  const char suffix = q.empty() ? '\0' : q.back();
  if (suffix == 'm') return std::stoll(q.substr(0, q.size() - 1));
  if (suffix == 'k') return std::stoll(q.substr(0, q.size() - 1)) * 1000000;
  if (suffix == 'M') return std::stoll(q.substr(0, q.size() - 1)) * 1000000000;
  return std::stoll(q) * 1000;
}

class KedaServeTest : public ServeFixture {
 protected:
  KedaServeTest()
      : keda_pki_("prescale-keda-pki"),
        keda_ca_(keda_pki_.path(), "keda"),
        keda_(keda_ca_.IssueClient("keda", "keda-operator")) {}

  // Starts serve with gRPC, which requires client certificates: by default those of KEDA's own
  // CA (`keda_ca_`, which issued `keda_`), not the HTTP API's client CA.
  void StartWithGrpc(std::vector<std::string> extra = {}, bool keda_client_ca = true) {
    grpc_port_ = FreeTcpPort();
    extra.insert(extra.begin(), {"--grpc-port", std::to_string(grpc_port_)});
    if (keda_client_ca)
      extra.insert(extra.end(), {"--grpc-client-ca-file", keda_ca_.cert_file().string()});
    StartServe(extra);
    fake_->SetAuthorizer(
        [](const nlohmann::json& spec) { return spec.value("user", "") == "alice"; });
  }

  GrpcClientTls Tls(const IssuedCert* cert) const {
    GrpcClientTls tls{server_ca_->cert_file().string(), "", ""};
    if (cert) {
      tls.cert_file = cert->cert_file.string();
      tls.key_file = cert->key_file.string();
    }
    return tls;
  }
  GrpcClientTls Tls() const { return Tls(&keda_); }
  std::unique_ptr<ExternalScaler::Stub> Scaler(const IssuedCert* cert) const {
    return ExternalScaler::NewStub(MakeTlsChannel(grpc_port_, Tls(cert)));
  }
  std::unique_ptr<ExternalScaler::Stub> Scaler() const { return Scaler(&keda_); }

  grpc::Status GetMetrics(ExternalScaler::Stub& stub, const Metadata& metadata,
                          externalscaler::GetMetricsResponse* response) const {
    externalscaler::GetMetricsRequest request;
    *request.mutable_scaledobjectref() = Ref(metadata);
    request.set_metricname("order_flow_rate_forecast");
    return stub.GetMetrics(ContextWithDeadline().get(), request, response);
  }

  // Milli-units KEDA reads from GetMetrics (its int64(metricValueFloat * 1000)).
  int64_t GrpcMilli(ExternalScaler::Stub& stub, const Metadata& metadata) const {
    externalscaler::GetMetricsResponse response;
    const grpc::Status status = GetMetrics(stub, metadata, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok() || response.metricvalues_size() != 1) return -1;
    return static_cast<int64_t>(response.metricvalues(0).metricvaluefloat() * 1000);
  }

  // The HPA's sum over the HTTP API's items (MilliValue of each).
  int64_t HttpMilli(const std::string& metric, const std::string& selector) const {
    const HttpsResult r = HttpsGet(Client(&alice_),
                                   "/apis/external.metrics.k8s.io/v1beta1/"
                                   "namespaces/trading/" +
                                       metric + "?labelSelector=" + selector);
    EXPECT_TRUE(r.ok() && r.response->status == 200) << r.error;
    if (!r.ok()) return -2;
    int64_t sum = 0;
    const nlohmann::json list = r.response->Json();
    for (const auto& item : list["items"]) sum += QuantityMilli(item["value"].get<std::string>());
    return sum;
  }

  int grpc_port_ = 0;
  TempDir keda_pki_;
  TestCa keda_ca_;
  IssuedCert keda_;
};

TEST_F(KedaServeTest, EveryRpcOverTlsAgreesWithTheHttpApi) {
  StartWithGrpc();
  auto stub = Scaler();

  externalscaler::GetMetricSpecResponse spec;
  grpc::Status status = stub->GetMetricSpec(ContextWithDeadline().get(), Ref(kTrigger), &spec);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(spec.metricspecs_size(), 1);
  EXPECT_EQ(spec.metricspecs(0).metricname(), "order_flow_rate_forecast");
  EXPECT_EQ(spec.metricspecs(0).targetsizefloat(), 2000);

  // The demo data change with every refresh (1 s) in trading hours: retry until both reads fall
  // into the same snapshot.
  bool agreed = false;
  int64_t grpc_milli = 0, http_milli = 0;
  for (int attempt = 0; attempt < 10 && !agreed; ++attempt) {
    grpc_milli = GrpcMilli(*stub, kTrigger);
    http_milli = HttpMilli("order_flow_rate_forecast", "venue+in+(xnas,xnys)");
    agreed = grpc_milli == http_milli && grpc_milli == GrpcMilli(*stub, kTrigger);
  }
  EXPECT_TRUE(agreed) << "gRPC " << grpc_milli << "m, HTTP " << http_milli << "m";
  EXPECT_GT(grpc_milli, 0);

  externalscaler::IsActiveResponse active;
  Metadata m = kTrigger;
  m["activationThreshold"] = "0";
  ASSERT_TRUE(stub->IsActive(ContextWithDeadline().get(), Ref(m), &active).ok());
  EXPECT_TRUE(active.result());  // demand is never 0
  m["activationThreshold"] = "1e9";
  ASSERT_TRUE(stub->IsActive(ContextWithDeadline().get(), Ref(m), &active).ok());
  EXPECT_FALSE(active.result());

  grpc::ClientContext context;
  auto specs = stub->StreamMetricSpec(&context, Ref(kTrigger));
  ASSERT_TRUE(specs->Read(&spec));
  EXPECT_EQ(spec.metricspecs(0).targetsizefloat(), 2000);
  context.TryCancel();
  EXPECT_EQ(specs->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(KedaServeTest, HealthServiceIsServingOnceReady) {
  StartWithGrpc();
  auto health = Health::NewStub(MakeTlsChannel(grpc_port_, Tls()));
  HealthCheckResponse::ServingStatus last = HealthCheckResponse::UNKNOWN;
  const bool serving = WaitUntil(
      [&] {
        HealthCheckRequest request;
        HealthCheckResponse response;
        if (!health->Check(ContextWithDeadline().get(), request, &response).ok()) return false;
        last = response.status();
        return last == HealthCheckResponse::SERVING;
      },
      10s, 100ms);
  EXPECT_TRUE(serving) << "last status " << last;
  HealthCheckRequest request;
  request.set_service("externalscaler.ExternalScaler");
  HealthCheckResponse response;
  ASSERT_TRUE(health->Check(ContextWithDeadline().get(), request, &response).ok());
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);
}

// Two streams on order_flow_rate{venue=xnas} whose thresholds sit on either side of the current
// value v (millis): A is active when the value is > v, B when it is >= v. Whatever way the value
// moves at the next 15 s bucket (or refresh, in trading hours), exactly one of them must be
// pushed a changed answer, and nothing else would make it change.
TEST_F(KedaServeTest, StreamIsActiveIsPushedWhenANewSnapshotChangesTheAnswer) {
  StartWithGrpc();
  auto stub = Scaler();
  const Metadata observed = {
      {"metric", "order_flow_rate"}, {"labelSelector", "venue=xnas"}, {"targetSize", "100"}};
  auto threshold = [](int64_t milli) {
    char text[32];
    std::snprintf(text, sizeof text, "%lld.%03lld", static_cast<long long>(milli / 1000),
                  static_cast<long long>(milli % 1000));
    return std::string(text);
  };
  for (int attempt = 0; attempt < 3; ++attempt) {
    const int64_t v = GrpcMilli(*stub, observed);
    ASSERT_GT(v, 0);
    Metadata a = observed, b = observed;
    a["activationThreshold"] = threshold(v);
    b["activationThreshold"] = threshold(v - 1);
    grpc::ClientContext a_context, b_context;
    auto a_reader = stub->StreamIsActive(&a_context, Ref(a));
    auto b_reader = stub->StreamIsActive(&b_context, Ref(b));
    externalscaler::IsActiveResponse a_first, b_first;
    ASSERT_TRUE(a_reader->Read(&a_first));
    ASSERT_TRUE(b_reader->Read(&b_first));
    if (a_first.result() || !b_first.result()) {  // the value moved before the streams opened
      a_context.TryCancel();
      b_context.TryCancel();
      a_reader->Finish();
      b_reader->Finish();
      continue;
    }
    std::promise<std::string> pushed;
    std::atomic<bool> once{false};
    auto wait_for_push = [&](grpc::ClientReader<externalscaler::IsActiveResponse>* reader,
                             const char* name) {
      externalscaler::IsActiveResponse next;
      const bool got = reader->Read(&next);
      if (got && !once.exchange(true))
        pushed.set_value(std::string(name) + (next.result() ? " active" : " inactive"));
    };
    std::thread a_thread(wait_for_push, a_reader.get(), "A");
    std::thread b_thread(wait_for_push, b_reader.get(), "B");
    auto result = pushed.get_future();
    const bool arrived = result.wait_for(45s) == std::future_status::ready;
    a_context.TryCancel();
    b_context.TryCancel();
    a_thread.join();
    b_thread.join();
    a_reader->Finish();
    b_reader->Finish();
    ASSERT_TRUE(arrived) << "no update within 45 s although the demo data change every 15 s";
    const std::string what = result.get();
    EXPECT_TRUE(what == "A active" || what == "B inactive") << what;
    return;
  }
  FAIL() << "the value kept moving while the streams opened";
}

TEST_F(KedaServeTest, BadMetadataIsAClearErrorAndTheServerCarriesOn) {
  StartWithGrpc();
  auto stub = Scaler();
  externalscaler::GetMetricsResponse response;
  Metadata m = kTrigger;
  m["metric"] = "no_such_metric";
  grpc::Status status = GetMetrics(*stub, m, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(status.error_message().find("no_such_metric"), std::string::npos);
  m = kTrigger;
  m["labelSelector"] = "venue>=xnas";
  EXPECT_EQ(GetMetrics(*stub, m, &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  m = kTrigger;
  m.erase("targetSize");
  status = GetMetrics(*stub, m, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("targetSize is required"), std::string::npos);
  EXPECT_TRUE(GetMetrics(*stub, kTrigger, &response).ok());

  const HttpsResult metrics = HttpsGet(Client(&alice_), "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(metrics.response->body.find(
                "prescale_grpc_requests_total{code=\"INVALID_ARGUMENT\",method=\"GetMetrics\"} 2"),
            std::string::npos);
}

TEST_F(KedaServeTest, ClientCertificateIsRequiredWithGrpcClientCa) {
  StartWithGrpc();
  externalscaler::GetMetricsResponse response;
  grpc::Status status = GetMetrics(*Scaler(), kTrigger, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  status = GetMetrics(*Scaler(&alice_), kTrigger, &response);  // the HTTP API's client CA
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  status = GetMetrics(*Scaler(nullptr), kTrigger, &response);  // no certificate
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
}

TEST_F(KedaServeTest, OnlyAllowedClientNamesMayCall) {
  StartWithGrpc({"--grpc-allowed-names", "keda-operator,keda-admin"});
  const IssuedCert other = keda_ca_.IssueClient("other", "some-controller");
  externalscaler::GetMetricsResponse response;
  EXPECT_TRUE(GetMetrics(*Scaler(), kTrigger, &response).ok());
  const grpc::Status status = GetMetrics(*Scaler(&other), kTrigger, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
  EXPECT_NE(status.error_message().find("some-controller"), std::string::npos);
  EXPECT_EQ(status.error_message().find("order_flow_rate"), std::string::npos)
      << "a refused caller learns nothing of the served metrics";
  grpc::ClientContext context;
  auto stream = Scaler(&other)->StreamIsActive(&context, Ref(kTrigger));
  externalscaler::IsActiveResponse active;
  EXPECT_FALSE(stream->Read(&active));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
  const HttpsResult metrics = HttpsGet(Client(&alice_), "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(metrics.response->body.find(
                "prescale_grpc_requests_total{code=\"PERMISSION_DENIED\",method=\"GetMetrics\"} 1"),
            std::string::npos);
}

TEST_F(KedaServeTest, WithoutClientAuthenticationOnlyWhenAskedLoudly) {
  StartWithGrpc({"--grpc-insecure-no-client-auth"}, /*keda_client_ca=*/false);
  externalscaler::GetMetricsResponse response;
  EXPECT_TRUE(GetMetrics(*Scaler(nullptr), kTrigger, &response).ok());
  const std::string err = process_->ReadStderr();
  EXPECT_NE(err.find("\"level\":\"warn\",\"msg\":\"gRPC serves without client certificates"),
            std::string::npos)
      << err;
}

TEST_F(KedaServeTest, ARenewedServingCertificateIsUsedWithoutARestart) {
  StartWithGrpc();
  TempDir pki("prescale-keda-rotated");
  TestCa rotated(pki.path(), "rotated");
  const IssuedCert next = rotated.IssueServer("next");
  const auto get_metrics = [&](const TestCa& trusted) {
    auto stub = ExternalScaler::NewStub(MakeTlsChannel(
        grpc_port_, GrpcClientTls{trusted.cert_file().string(), keda_.cert_file.string(),
                                  keda_.key_file.string()}));
    externalscaler::GetMetricsResponse response;
    return GetMetrics(*stub, kTrigger, &response);
  };
  ASSERT_TRUE(get_metrics(*server_ca_).ok());
  for (const auto& [file, text] :
       {std::pair{serving_.key_file, next.key_pem}, std::pair{serving_.cert_file, next.cert_pem}}) {
    std::ofstream(file.string() + ".tmp") << text;
    std::filesystem::rename(file.string() + ".tmp", file);  // as the kubelet swaps files
  }
  ASSERT_TRUE(WaitUntil([&] { return get_metrics(rotated).ok(); }, 20s, 250ms))
      << process_->ReadStderr();
  EXPECT_EQ(get_metrics(*server_ca_).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(KedaServeTest, SigtermEndsOpenStreamsAndExitsZero) {
  StartWithGrpc();
  auto stub = Scaler();
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 30s);
  auto reader = stub->StreamMetricSpec(&context, Ref(kTrigger));
  externalscaler::GetMetricSpecResponse spec;
  ASSERT_TRUE(reader->Read(&spec));
  // KEDA keeps reading its streams; so does this client while prescale shuts down.
  auto next = std::async(std::launch::async, [&] { return reader->Read(&spec); });
  EXPECT_EQ(process_->Terminate(10s), 0) << process_->ReadStderr();
  EXPECT_FALSE(next.get());
  const grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(), "prescale is shutting down");
}

TEST_F(KedaServeTest, GrpcFlagErrorsAreExit2) {
  dir_ = std::make_unique<TempDir>("prescale-keda-flags");
  const std::string policy = (dir_->path() / "policy.yaml").string();
  std::ofstream(policy) << kPolicy;
  auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> argv = {BinaryPath(),
                                     "serve",
                                     "--config",
                                     policy,
                                     "--demo-data",
                                     "--authorization-mode",
                                     "AlwaysAllow",
                                     "--bind-address",
                                     "127.0.0.1",
                                     "--secure-port",
                                     std::to_string(FreeTcpPort()),
                                     "--cert-dir",
                                     (dir_->path() / "certs").string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    Process p = Process::Start({argv});
    const std::optional<int> code = p.Wait(20s);
    EXPECT_TRUE(code.has_value()) << "serve did not exit";
    return std::make_pair(code.value_or(-1), p.ReadStderr());
  };
  auto [code, err] = run({"--grpc-port", std::to_string(FreeTcpPort()), "--grpc-client-ca-file",
                          "/nonexistent/ca.pem"});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("--grpc-client-ca-file /nonexistent/ca.pem: cannot be read"),
            std::string::npos)
      << err;
  std::tie(code, err) = run({"--grpc-client-ca-file", "/nonexistent/ca.pem"});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("need --grpc-port"), std::string::npos) << err;
  // Closed by default: no client CA, no gRPC.
  std::tie(code, err) = run({"--grpc-port", std::to_string(FreeTcpPort())});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("--grpc-port needs --grpc-client-ca-file"), std::string::npos) << err;
  std::tie(code, err) = run({"--grpc-port", std::to_string(FreeTcpPort()),
                             "--grpc-insecure-no-client-auth", "--grpc-allowed-names", "keda"});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("--grpc-allowed-names needs --grpc-client-ca-file"), std::string::npos) << err;
  std::tie(code, err) = run({"--grpc-port", "70000"});
  EXPECT_EQ(code, 2);
}

}  // namespace
}  // namespace prescale::testing
