// The gRPC server in-process (adapter/keda/grpc_server.h), driven by the real C++ gRPC client over
// TLS, with snapshots published by the test: every RPC, error codes, streams that push only
// changed answers, cancellation, shutdown, the health service, client certificates, metrics.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>

#include "tests/adapter/keda/keda_server_fixture.h"
#include "tests/support/process.h"

namespace prescale::adapter::keda {
namespace {

using namespace std::chrono_literals;
using externalscaler::ExternalScaler;
using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;
using testsupport::ContextWithDeadline;
using testsupport::Ref;

TEST_F(KedaServerTest, UnaryRpcsOverTls) {
  StartServer();
  Publish(1.5, 2.25);
  auto stub = Scaler();

  externalscaler::GetMetricSpecResponse spec;
  grpc::Status status = stub->GetMetricSpec(ContextWithDeadline().get(), Ref(kTrigger), &spec);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(spec.metricspecs_size(), 1);
  EXPECT_EQ(spec.metricspecs(0).metricname(), "order_flow_rate_forecast");
  EXPECT_EQ(spec.metricspecs(0).targetsizefloat(), 2000);
  EXPECT_EQ(spec.metricspecs(0).targetsize(), 2000);

  externalscaler::GetMetricsResponse metrics;
  status = GetMetrics(*stub, kTrigger, &metrics);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(metrics.metricvalues_size(), 1);  // the sum of xnas and xnys
  EXPECT_EQ(metrics.metricvalues(0).metricname(), "order_flow_rate_forecast");
  EXPECT_EQ(static_cast<int64_t>(metrics.metricvalues(0).metricvaluefloat() * 1000), 3750);
  EXPECT_EQ(metrics.metricvalues(0).metricvalue(), 4);

  externalscaler::IsActiveResponse active;
  status = stub->IsActive(ContextWithDeadline().get(), Ref(kTrigger), &active);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(active.result());  // 3.75 <= 10
  Publish(6, 5);
  status = stub->IsActive(ContextWithDeadline().get(), Ref(kTrigger), &active);
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(active.result());  // 11 > 10
  ASSERT_TRUE(GetMetrics(*stub, kTrigger, &metrics).ok());
  EXPECT_EQ(static_cast<int64_t>(metrics.metricvalues(0).metricvaluefloat() * 1000), 11000);
}

TEST_F(KedaServerTest, ErrorCodes) {
  StartServer();
  auto stub = Scaler();
  externalscaler::GetMetricsResponse metrics;

  grpc::Status status = GetMetrics(*stub, kTrigger, &metrics);  // nothing published yet
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(), "no data loaded yet");

  Publish(1, 2);
  auto with = [](std::string key, std::string value) {
    auto m = kTrigger;
    if (value.empty())
      m.erase(key);
    else
      m[key] = value;
    return m;
  };
  status = GetMetrics(*stub, with("metric", ""), &metrics);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("scalerMetadata.metric is required"));
  status = GetMetrics(*stub, with("targetSize", ""), &metrics);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  status = GetMetrics(*stub, with("labelSelector", "venue<3"), &metrics);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("labelSelector \"venue<3\""));
  status = GetMetrics(*stub, with("metric", "order_flow"), &metrics);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("\"order_flow\" is not served"));
  status = GetMetrics(*stub, with("labelSelector", "venue=xlon"), &metrics);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);

  externalscaler::GetMetricSpecResponse spec;
  status = stub->GetMetricSpec(ContextWithDeadline().get(), Ref(with("metric", "x")), &spec);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  externalscaler::IsActiveResponse active;
  status = stub->IsActive(ContextWithDeadline().get(), Ref(with("targetSize", "-1")), &active);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  Publish(1, 2, true, ServedMetric::State::kStale);
  status = GetMetrics(*stub, kTrigger, &metrics);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), HasSubstr("data is 700s old"));
  status = stub->IsActive(ContextWithDeadline().get(), Ref(kTrigger), &active);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  // The spec of a stale metric is still known.
  EXPECT_TRUE(stub->GetMetricSpec(ContextWithDeadline().get(), Ref(kTrigger), &spec).ok());

  // The server still answers after all of that.
  Publish(1, 2);
  EXPECT_TRUE(GetMetrics(*stub, kTrigger, &metrics).ok());
}

TEST_F(KedaServerTest, StreamIsActivePushesOnlyWhenTheAnswerChanges) {
  StartServer();
  Publish(2, 3);  // 5: inactive
  auto stub = Scaler();
  grpc::ClientContext context;
  auto reader = stub->StreamIsActive(&context, Ref(kTrigger));
  externalscaler::IsActiveResponse response;
  ASSERT_TRUE(reader->Read(&response));  // the current answer, at once
  EXPECT_FALSE(response.result());

  Publish(3, 3);   // 6: still inactive, nothing is sent
  Publish(3, 3);   // same snapshot content again
  Publish(10, 5);  // 15: active
  ASSERT_TRUE(reader->Read(&response));
  EXPECT_TRUE(response.result());  // not a repeated `false`
  Publish(1, 1);                   // 2: inactive again
  ASSERT_TRUE(reader->Read(&response));
  EXPECT_FALSE(response.result());

  // No change: nothing comes (the stream does not tick on a timer) until the client cancels.
  Publish(1, 1);
  auto next = std::async(std::launch::async, [&] { return reader->Read(&response); });
  EXPECT_EQ(next.wait_for(500ms), std::future_status::timeout) << response.result();
  context.TryCancel();
  EXPECT_FALSE(next.get());
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_TRUE(testsupport::WaitUntil([&] { return server_->open_streams() == 0; }, 10s));

  const std::string metrics = MetricsText();
  EXPECT_THAT(metrics,
              HasSubstr("prescale_grpc_stream_messages_total{method=\"StreamIsActive\"} 3"));
  EXPECT_THAT(metrics, HasSubstr("prescale_grpc_streams_open{method=\"StreamIsActive\"} 0"));
  EXPECT_THAT(
      metrics,
      HasSubstr("prescale_grpc_requests_total{code=\"CANCELLED\",method=\"StreamIsActive\"} 1"));
}

TEST_F(KedaServerTest, StreamEndsWithTheErrorItsAnswerBecomes) {
  StartServer();
  Publish(2, 3);
  auto stub = Scaler();
  {
    grpc::ClientContext context;
    auto reader = stub->StreamIsActive(&context, Ref(kTrigger));
    externalscaler::IsActiveResponse response;
    ASSERT_TRUE(reader->Read(&response));
    Publish(2, 3, true, ServedMetric::State::kStale);
    EXPECT_FALSE(reader->Read(&response));
    const grpc::Status status = reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_THAT(status.error_message(), HasSubstr("data is 700s old"));
  }
  {  // bad metadata: ends at once
    grpc::ClientContext context;
    auto reader = stub->StreamIsActive(&context, Ref({{"metric", "order_flow_rate_forecast"}}));
    externalscaler::IsActiveResponse response;
    EXPECT_FALSE(reader->Read(&response));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
}

TEST_F(KedaServerTest, StreamMetricSpecSendsTheSpecThenEndsWhenTheMetricGoes) {
  StartServer();
  Publish(2, 3);
  auto stub = Scaler();
  grpc::ClientContext context;
  auto reader = stub->StreamMetricSpec(&context, Ref(kTrigger));
  externalscaler::GetMetricSpecResponse spec;
  ASSERT_TRUE(reader->Read(&spec));
  ASSERT_EQ(spec.metricspecs_size(), 1);
  EXPECT_EQ(spec.metricspecs(0).targetsizefloat(), 2000);
  Publish(50, 50);  // values change, the spec does not: nothing is sent
  Publish(2, 3, true, ServedMetric::State::kStale);  // stale: the spec still holds
  PublishWithout();
  EXPECT_FALSE(reader->Read(&spec));
  const grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("is not served"));
}

TEST_F(KedaServerTest, StopEndsOpenStreams) {
  StartServer();
  Publish(2, 3);
  auto stub = Scaler();
  grpc::ClientContext active_context, spec_context;
  auto active = stub->StreamIsActive(&active_context, Ref(kTrigger));
  auto spec = stub->StreamMetricSpec(&spec_context, Ref(kTrigger));
  externalscaler::IsActiveResponse a;
  externalscaler::GetMetricSpecResponse s;
  ASSERT_TRUE(active->Read(&a));
  ASSERT_TRUE(spec->Read(&s));
  EXPECT_EQ(server_->open_streams(), 2u);

  auto stopped = std::async(std::launch::async, [&] { server_->Stop(); });
  ASSERT_EQ(stopped.wait_for(20s), std::future_status::ready) << "Stop() hangs";
  EXPECT_FALSE(active->Read(&a));
  EXPECT_FALSE(spec->Read(&s));
  EXPECT_EQ(active->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(spec->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(server_->open_streams(), 0u);
}

TEST_F(KedaServerTest, ManyStreamsAllSeeEachChange) {
  StartServer();
  Publish(2, 3);
  auto stub = Scaler();
  constexpr int kStreams = 50;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<externalscaler::IsActiveResponse>>> readers;
  for (int i = 0; i < kStreams; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    readers.push_back(stub->StreamIsActive(contexts.back().get(), Ref(kTrigger)));
  }
  externalscaler::IsActiveResponse response;
  for (auto& reader : readers) {
    ASSERT_TRUE(reader->Read(&response));
    EXPECT_FALSE(response.result());
  }
  for (int round = 0; round < 4; ++round) {
    const bool active = round % 2 == 0;
    Publish(active ? 20 : 1, 1);
    for (auto& reader : readers) {
      ASSERT_TRUE(reader->Read(&response)) << "round " << round;
      EXPECT_EQ(response.result(), active);
    }
  }
  for (auto& context : contexts) context->TryCancel();
  for (auto& reader : readers) reader->Finish();
  EXPECT_TRUE(testsupport::WaitUntil([&] { return server_->open_streams() == 0; }, 10s));
}

TEST_F(KedaServerTest, HealthReflectsReadiness) {
  StartServer();
  auto health = Health::NewStub(testsupport::MakeTlsChannel(server_->port(), Tls()));
  auto check = [&](const std::string& service) {
    HealthCheckRequest request;
    request.set_service(service);
    HealthCheckResponse response;
    const grpc::Status status = health->Check(ContextWithDeadline().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.status();
  };
  EXPECT_EQ(check(""), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(check("externalscaler.ExternalScaler"), HealthCheckResponse::NOT_SERVING);

  grpc::ClientContext watch_context;
  HealthCheckRequest watch_request;
  auto watch = health->Watch(&watch_context, watch_request);
  HealthCheckResponse update;
  ASSERT_TRUE(watch->Read(&update));
  EXPECT_EQ(update.status(), HealthCheckResponse::NOT_SERVING);

  Publish(1, 2, /*complete=*/false);  // still loading history: not ready
  Publish(1, 2);
  ASSERT_TRUE(watch->Read(&update));
  EXPECT_EQ(update.status(), HealthCheckResponse::SERVING);
  EXPECT_EQ(check(""), HealthCheckResponse::SERVING);
  EXPECT_EQ(check("externalscaler.ExternalScaler"), HealthCheckResponse::SERVING);

  Publish(1, 2, /*complete=*/false);
  ASSERT_TRUE(watch->Read(&update));
  EXPECT_EQ(update.status(), HealthCheckResponse::NOT_SERVING);

  HealthCheckRequest unknown;
  unknown.set_service("no.such.Service");
  HealthCheckResponse response;
  EXPECT_EQ(health->Check(ContextWithDeadline().get(), unknown, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);

  Publish(1, 2);
  ASSERT_TRUE(watch->Read(&update));
  EXPECT_EQ(update.status(), HealthCheckResponse::SERVING);
  server_->Stop();
  watch_context.TryCancel();
  watch->Finish();
}

TEST_F(KedaServerTest, ClientCertificatesRequiredWhenACaIsGiven) {
  StartServer(client_ca_.cert_file().string());
  Publish(1, 2);
  externalscaler::GetMetricsResponse metrics;

  grpc::Status status = GetMetrics(*Scaler(&keda_), kTrigger, &metrics);
  EXPECT_TRUE(status.ok()) << status.error_message();

  status = GetMetrics(*Scaler(), kTrigger, &metrics);  // no certificate
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  status = GetMetrics(*Scaler(&foreign_), kTrigger, &metrics);  // not from the client CA
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
}

TEST_F(KedaServerTest, OnlyAllowedNamesMayCallByCommonNameOrDnsName) {
  const testsupport::IssuedCert by_dns = client_ca_.Issue(
      "by-dns", {.common_name = "whatever", .dns_names = {"keda.keda.svc"}, .client_auth = true});
  const testsupport::IssuedCert other = client_ca_.IssueClient("other", "other-controller");
  StartServer(client_ca_.cert_file().string(), {"keda.keda.svc", "keda-operator"});
  Publish(1, 2);
  externalscaler::GetMetricsResponse metrics;
  EXPECT_TRUE(GetMetrics(*Scaler(&keda_), kTrigger, &metrics).ok());   // CN keda-operator
  EXPECT_TRUE(GetMetrics(*Scaler(&by_dns), kTrigger, &metrics).ok());  // DNS SAN
  const grpc::Status status = GetMetrics(*Scaler(&other), kTrigger, &metrics);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("other-controller"));
  externalscaler::IsActiveResponse active;
  EXPECT_EQ(
      Scaler(&other)->IsActive(ContextWithDeadline().get(), Ref(kTrigger), &active).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(
      MetricsText(),
      HasSubstr(
          "prescale_grpc_requests_total{code=\"PERMISSION_DENIED\",method=\"GetMetrics\"} 1"));
  EXPECT_THAT(MetricsText(),
              HasSubstr("prescale_authorization_denials_total{reason=\"name_not_allowed\","
                        "surface=\"grpc\"} 2"));
}

TEST_F(KedaServerTest, WrongServerCaIsRefusedByTheClient) {
  StartServer();
  Publish(1, 2);
  testsupport::GrpcClientTls tls{foreign_ca_.cert_file().string(), "", ""};
  auto stub = ExternalScaler::NewStub(testsupport::MakeTlsChannel(server_->port(), tls));
  externalscaler::GetMetricsResponse metrics;
  EXPECT_EQ(GetMetrics(*stub, kTrigger, &metrics).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(KedaServerTest, RequestsAreCountedByMethodAndCode) {
  StartServer();
  Publish(1, 2);
  auto stub = Scaler();
  externalscaler::GetMetricsResponse metrics;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(GetMetrics(*stub, kTrigger, &metrics).ok());
  auto bad = kTrigger;
  bad["metric"] = "nope";
  EXPECT_FALSE(GetMetrics(*stub, bad, &metrics).ok());
  const std::string text = MetricsText();
  EXPECT_THAT(text, HasSubstr("prescale_grpc_requests_total{code=\"OK\",method=\"GetMetrics\"} 3"));
  EXPECT_THAT(
      text, HasSubstr("prescale_grpc_requests_total{code=\"NOT_FOUND\",method=\"GetMetrics\"} 1"));
}

TEST_F(KedaServerTest, BadFilesAndTakenPortsAreErrors) {
  GrpcServerOptions options;
  options.bind_address = "127.0.0.1";
  options.cert_file = serving_.cert_file.string();
  options.key_file = serving_.key_file.string();
  options.client_ca_file = (dir_.path() / "missing.crt").string();
  try {
    GrpcServer server(options, holder_, nullptr);
    ADD_FAILURE() << "a missing CA file was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("--grpc-client-ca-file"));
    EXPECT_THAT(e.what(), HasSubstr("missing.crt"));
  }
  options.client_ca_file = serving_.key_file.string();  // a key, not a certificate
  EXPECT_THROW(GrpcServer(options, holder_, nullptr), std::runtime_error);

  StartServer();
  options.client_ca_file.clear();
  options.port = server_->port();
  GrpcServer second(options, holder_, nullptr);
  EXPECT_THROW(second.Start(), std::runtime_error);
}

}  // namespace
}  // namespace prescale::adapter::keda
