// prescale_grpc_request_duration_seconds{method}: every ExternalScaler call is timed, unary
// calls to their status and streams to their first message (an open stream is counted once it
// has answered, not when it ends), and the health service is not.
#include <gmock/gmock.h>

#include <regex>

#include "tests/adapter/keda/keda_server_fixture.h"
#include "tests/support/grpc_health.grpc.pb.h"
#include "tests/support/process.h"

namespace prescale::adapter::keda {
namespace {

using namespace std::chrono_literals;

// The value of `series` in the metrics text, -1 when absent.
double Sample(const std::string& text, const std::string& series) {
  const size_t at = text.find("\n" + series + " ");
  return at == std::string::npos ? -1 : std::stod(text.substr(at + series.size() + 2));
}

std::string Count(const char* method) {
  return std::string("prescale_grpc_request_duration_seconds_count{method=\"") + method + "\"}";
}

TEST_F(KedaServerTest, CallsAreTimedPerMethodAndStreamsUntilTheirFirstMessage) {
  StartServer();
  std::string text = MetricsText();
  for (const char* method :
       {"IsActive", "StreamIsActive", "GetMetricSpec", "GetMetrics", "StreamMetricSpec"})
    EXPECT_EQ(Sample(text, Count(method)), 0) << method << " is exported from start-up";

  Publish(1, 2);
  auto stub = Scaler();
  externalscaler::GetMetricsResponse metrics;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(GetMetrics(*stub, kTrigger, &metrics).ok());
  auto bad = kTrigger;
  bad["metric"] = "nope";
  EXPECT_FALSE(GetMetrics(*stub, bad, &metrics).ok());  // errors are timed too
  externalscaler::IsActiveResponse active;
  ASSERT_TRUE(stub->IsActive(ContextWithDeadline().get(), Ref(kTrigger), &active).ok());

  text = MetricsText();
  EXPECT_EQ(Sample(text, Count("GetMetrics")), 4);
  EXPECT_EQ(Sample(text, Count("IsActive")), 1);
  EXPECT_GT(Sample(text, "prescale_grpc_request_duration_seconds_sum{method=\"GetMetrics\"}"), 0);
  EXPECT_EQ(Sample(text,
                   "prescale_grpc_request_duration_seconds_bucket{method=\"GetMetrics\","
                   "le=\"+Inf\"}"),
            4);

  // A stream is timed at its first message, while it stays open, and once only.
  grpc::ClientContext context;
  auto reader = stub->StreamIsActive(&context, Ref(kTrigger));
  externalscaler::IsActiveResponse response;
  ASSERT_TRUE(reader->Read(&response));
  EXPECT_TRUE(testsupport::WaitUntil(
      [&] { return Sample(MetricsText(), Count("StreamIsActive")) == 1; }, 10s));
  Publish(10, 5);
  ASSERT_TRUE(reader->Read(&response));
  context.TryCancel();
  reader->Finish();
  EXPECT_TRUE(testsupport::WaitUntil([&] { return server_->open_streams() == 0; }, 10s));
  EXPECT_EQ(Sample(MetricsText(), Count("StreamIsActive")), 1);

  // The health service is not a KEDA call.
  auto health =
      grpc::health::v1::Health::NewStub(testsupport::MakeTlsChannel(server_->port(), Tls()));
  grpc::health::v1::HealthCheckRequest check;
  grpc::health::v1::HealthCheckResponse status;
  ASSERT_TRUE(health->Check(ContextWithDeadline().get(), check, &status).ok());
  text = MetricsText();
  EXPECT_EQ(text.find("method=\"Check\""), std::string::npos);
  EXPECT_EQ(text.find("method=\"unknown\""), std::string::npos);
}

}  // namespace
}  // namespace prescale::adapter::keda
