// The gRPC server's bounds (grpc_server.h, scaler_service.h, scaler_query.h) with the real C++
// gRPC client over TLS on 127.0.0.1: each bound answers its code, counts in
// prescale_limit_rejections_total, and a legitimate client keeps being served meanwhile.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <malloc.h>

#include "tests/adapter/keda/keda_server_fixture.h"
#include "tests/support/process.h"

namespace prescale::adapter::keda {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class KedaBoundsTest : public KedaServerTest {
 protected:
  double Limit(const std::string& kind) {
    const std::string text = MetricsText();
    const std::string series = "prescale_limit_rejections_total{kind=\"" + kind + "\"} ";
    const size_t at = text.find(series);
    return at == std::string::npos ? -1 : std::stod(text.substr(at + series.size()));
  }

  // A legitimate KEDA call, as the bounds are hit around it.
  void ExpectServed(ExternalScaler::Stub& stub) {
    externalscaler::GetMetricsResponse metrics;
    const grpc::Status status = GetMetrics(stub, kTrigger, &metrics);
    EXPECT_TRUE(status.ok()) << status.error_message();
  }

  static size_t HeapInUse() { return mallinfo2().uordblks; }
};

TEST_F(KedaBoundsTest, MetadataBeyondItsBoundsIsInvalidArgumentAndCounted) {
  StartServer();
  Publish(1, 2);
  auto stub = Scaler();
  externalscaler::GetMetricsResponse metrics;
  ExpectServed(*stub);

  auto many_keys = kTrigger;  // with KEDA's scalerAddress and enableTLS: 33 keys
  for (int i = 0; many_keys.size() + 2 < kMaxMetadataKeys; ++i)
    many_keys["extra" + std::to_string(i)] = "x";
  EXPECT_TRUE(GetMetrics(*stub, many_keys, &metrics).ok());  // 32 keys: fine
  many_keys["one_more"] = "x";
  grpc::Status status = GetMetrics(*stub, many_keys, &metrics);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "scalerMetadata has 33 keys, at most 32");

  auto big = kTrigger;  // a 20 KB value, within gRPC's message bound
  big["targetSize"] = std::string(20000, '9');
  status = GetMetrics(*stub, big, &metrics);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), StartsWith("scalerMetadata is "));
  EXPECT_THAT(status.error_message(), HasSubstr("bytes, at most 16384"));
  EXPECT_EQ(Limit("grpc_metadata"), 2);

  // The selector within the label selector's bounds: 101 requirements are refused, unechoed.
  std::string selector;
  for (int i = 0; i <= 100; ++i) selector += (i ? "," : "") + std::string("k") + std::to_string(i);
  auto wide = kTrigger;
  wide["labelSelector"] = selector;
  status = GetMetrics(*stub, wide, &metrics);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("more than 100 requirements"));
  EXPECT_LT(status.error_message().size(), 200u) << status.error_message();
  externalscaler::IsActiveResponse active;
  EXPECT_EQ(stub->IsActive(ContextWithDeadline().get(), Ref(wide), &active).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  externalscaler::GetMetricSpecResponse spec;
  EXPECT_EQ(stub->GetMetricSpec(ContextWithDeadline().get(), Ref(wide), &spec).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Limit("selector"), 3);

  // A message beyond 64 KiB never reaches the service: gRPC refuses it.
  auto huge = kTrigger;
  huge["targetSize"] = std::string(100 << 10, '9');
  EXPECT_EQ(GetMetrics(*stub, huge, &metrics).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  grpc::ClientContext context;
  auto reader = stub->StreamIsActive(&context, Ref(huge));
  EXPECT_FALSE(reader->Read(&active));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

  ExpectServed(*stub);  // and on the same connection, a legitimate call is served throughout
}

TEST_F(KedaBoundsTest, StreamsBeyondTheCapAreResourceExhaustedWhileOpenOnesGoOn) {
  GrpcServerOptions options;
  options.max_streams = 3;
  StartServer("", {}, options);
  Publish(2, 3);  // 5: inactive
  auto stub = Scaler();
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<externalscaler::IsActiveResponse>>> open;
  externalscaler::IsActiveResponse response;
  for (int i = 0; i < 3; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    open.push_back(stub->StreamIsActive(contexts.back().get(), Ref(kTrigger)));
    ASSERT_TRUE(open.back()->Read(&response));
  }
  // The fourth: ended at once, counted; a malformed one still gets its own error.
  for (int i = 0; i < 2; ++i) {
    grpc::ClientContext context;
    auto refused = stub->StreamIsActive(&context, Ref(kTrigger));
    EXPECT_FALSE(refused->Read(&response));
    const grpc::Status status = refused->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_THAT(status.error_message(), HasSubstr("too many open streams (at most 3)"));
  }
  {
    grpc::ClientContext context;
    externalscaler::GetMetricSpecResponse spec;
    auto refused = stub->StreamMetricSpec(&context, Ref(kTrigger));
    EXPECT_FALSE(refused->Read(&spec));
    EXPECT_EQ(refused->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  {
    grpc::ClientContext context;
    auto bad = stub->StreamIsActive(&context, Ref({{"metric", "order_flow_rate_forecast"}}));
    EXPECT_FALSE(bad->Read(&response));
    EXPECT_EQ(bad->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  EXPECT_EQ(Limit("grpc_streams"), 3);

  // Unary calls are served, and the open streams still see each change.
  ExpectServed(*stub);
  Publish(20, 1);
  for (auto& reader : open) {
    ASSERT_TRUE(reader->Read(&response));
    EXPECT_TRUE(response.result());
  }
  // A stream that ends gives its place back.
  contexts[0]->TryCancel();
  open[0]->Finish();
  ASSERT_TRUE(testsupport::WaitUntil([&] { return server_->open_streams() == 2; },
                                     std::chrono::seconds(10)));
  grpc::ClientContext context;
  auto again = stub->StreamIsActive(&context, Ref(kTrigger));
  ASSERT_TRUE(again->Read(&response));
  EXPECT_TRUE(response.result());
  context.TryCancel();
  again->Finish();
  for (size_t i = 1; i < contexts.size(); ++i) {
    contexts[i]->TryCancel();
    open[i]->Finish();
  }
}

TEST_F(KedaBoundsTest, ConnectionsAreClosedAtTheirMaximumAgeAndClientsReconnect) {
  GrpcServerOptions options;
  options.max_connection_age = std::chrono::milliseconds(500);
  options.max_connection_age_grace = std::chrono::milliseconds(500);
  StartServer("", {}, options);
  Publish(2, 3);
  auto stub = Scaler();
  grpc::ClientContext context;
  auto reader = stub->StreamIsActive(&context, Ref(kTrigger));
  externalscaler::IsActiveResponse response;
  ASSERT_TRUE(reader->Read(&response));
  // No change is published: the stream ends only because its connection got too old.
  const auto opened = std::chrono::steady_clock::now();
  EXPECT_FALSE(reader->Read(&response));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_LT(std::chrono::steady_clock::now() - opened, std::chrono::seconds(10));
  EXPECT_TRUE(testsupport::WaitUntil([&] { return server_->open_streams() == 0; },
                                     std::chrono::seconds(10)));
  ExpectServed(*stub);  // the same channel reconnects
}

TEST_F(KedaBoundsTest, TheMemoHoldsNoInvalidAnswersAndIsBoundedInBytes) {
  StartServer();
  Publish(1, 2);
  auto stub = Scaler();
  externalscaler::GetMetricsResponse metrics;
  ExpectServed(*stub);
  // Distinct malformed triggers of 16 KB each (the review's attack, within the bounds): nothing
  // of them is kept. Before, each was memoized with its message: 32 KB per call, per thread.
  const size_t before = HeapInUse();
  for (int i = 0; i < 600; ++i) {
    auto bad = kTrigger;
    bad["targetSize"] = std::to_string(i) + std::string(16000, 'x');
    ASSERT_EQ(GetMetrics(*stub, bad, &metrics).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  // Distinct valid triggers with a 16 KB metricName: memoized, within 1 MiB per thread.
  for (int i = 0; i < 600; ++i) {
    auto named = kTrigger;
    named["metricName"] = std::to_string(i) + std::string(16000, 'n');
    ASSERT_TRUE(GetMetrics(*stub, named, &metrics).ok());
  }
  const size_t after = HeapInUse();
  // 1200 calls of 16 KB: unbounded memos would hold about 29 MB.
  EXPECT_LT(after, before + (12 << 20)) << "heap grew by " << (after - before) << " bytes";
  ExpectServed(*stub);
}

}  // namespace
}  // namespace prescale::adapter::keda
