// The KEDA trigger metadata and the answers computed from a snapshot (adapter/keda/scaler_query.h).
#include "adapter/keda/scaler_query.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

namespace prescale::adapter::keda {
namespace {

using ::testing::HasSubstr;

using Metadata = std::map<std::string, std::string>;

externalscaler::ScaledObjectRef Ref(const Metadata& metadata) {
  externalscaler::ScaledObjectRef ref;
  ref.set_name("orders");
  ref.set_namespace_("trading");
  for (const auto& [k, v] : metadata) (*ref.mutable_scalermetadata())[k] = v;
  return ref;
}

ScalerQuery Parse(const Metadata& metadata) {
  auto parsed = ParseScalerMetadata(Ref(metadata));
  if (auto* error = std::get_if<ScalerError>(&parsed)) ADD_FAILURE() << error->message;
  return std::get<ScalerQuery>(std::move(parsed));
}

ScalerError ParseError(const Metadata& metadata) {
  auto parsed = ParseScalerMetadata(Ref(metadata));
  if (std::holds_alternative<ScalerQuery>(parsed)) {
    ADD_FAILURE() << "parsed without error";
    return {};
  }
  return std::get<ScalerError>(parsed);
}

const Metadata kValid = {{"metric", "order_flow_rate_forecast"}, {"targetSize", "2000"}};

Metadata With(std::string key, std::string value) {
  Metadata m = kValid;
  m[std::move(key)] = std::move(value);
  return m;
}

// order_flow_rate_forecast: xnas 1.5, xnys 2.25, arcx 1000; order_flow_rate in `state`.
std::shared_ptr<const Snapshot> MakeSnapshot(
    ServedMetric::State state = ServedMetric::State::kStale) {
  const auto t = std::chrono::system_clock::from_time_t(1764149400);
  ServedMetric forecast{
      "order_flow_rate_forecast", "order_flow_rate", ServedMetric::State::kOk, "", {}};
  forecast.values.push_back({forecast.name, {{"venue", "xnas"}}, t, 15, 1.5, ""});
  forecast.values.push_back({forecast.name, {{"venue", "xnys"}}, t, 15, 2.25, ""});
  forecast.values.push_back({forecast.name, {{"venue", "arcx"}}, t, 15, 1000, ""});
  ServedMetric observed{"order_flow_rate", "order_flow_rate", state, "data is 700s old", {}};
  return std::make_shared<const Snapshot>(t, std::vector<ServedMetric>{forecast, observed}, true);
}

TEST(KedaMetadataTest, ParsesEveryKeyAndIgnoresUnknownOnes) {
  const ScalerQuery q = Parse({{"metric", " order_flow_rate_forecast "},
                               {"targetSize", " 2000 "},
                               {"labelSelector", "venue in (xnas,xnys)"},
                               {"activationThreshold", "0.5"},
                               {"metricName", "orders"},
                               {"scalerAddress", "prescale:9443"},
                               {"enableTLS", "true"},
                               {"unsafeSsl", "false"}});
  EXPECT_EQ(q.metric, "order_flow_rate_forecast");
  EXPECT_EQ(q.spec_name, "orders");
  EXPECT_EQ(q.target, 2000);
  EXPECT_EQ(q.target_milli, 2000000);
  EXPECT_EQ(q.activation_threshold, 0.5);
  EXPECT_EQ(q.activation_milli, 500);
  EXPECT_EQ(q.selector.ToString(), "venue in (xnas,xnys)");
  EXPECT_TRUE(q.selector.Matches({{"venue", "xnys"}}));
  EXPECT_FALSE(q.selector.Matches({{"venue", "arcx"}}));
}

TEST(KedaMetadataTest, Defaults) {
  const ScalerQuery q = Parse(kValid);
  EXPECT_EQ(q.spec_name, "order_flow_rate_forecast");
  EXPECT_TRUE(q.selector.Empty());
  EXPECT_EQ(q.activation_milli, 0);
  EXPECT_EQ(Parse(With("targetSize", "1.5e3")).target_milli, 1500000);
  EXPECT_EQ(Parse(With("targetSize", "0.0001")).target_milli, 1);  // rounded up, never 0
  EXPECT_EQ(Parse(With("targetSize", "+7")).target, 7);
}

TEST(KedaMetadataTest, MissingOrMalformedKeysAreInvalidArgument) {
  struct Case {
    Metadata metadata;
    std::string message;
  };
  const Case cases[] = {
      {{{"targetSize", "2000"}}, "scalerMetadata.metric is required"},
      {{{"metric", " "}, {"targetSize", "2000"}}, "scalerMetadata.metric is required"},
      {{{"metric", "order_flow_rate"}}, "scalerMetadata.targetSize is required"},
      {With("targetSize", ""), "targetSize is required"},
      {With("targetSize", "abc"), "targetSize \"abc\" is not a number"},
      {With("targetSize", "2k"), "targetSize \"2k\" is not a number"},
      {With("targetSize", "12 pods"), "is not a number"},
      {With("targetSize", "nan"), "is not a number"},
      {With("targetSize", "inf"), "is not a number"},
      {With("targetSize", "1e999"), "is not a number"},
      {With("targetSize", "0"), "targetSize must be > 0, got \"0\""},
      {With("targetSize", "-5"), "targetSize must be > 0"},
      {With("labelSelector", "venue>xnas"), "scalerMetadata.labelSelector \"venue>xnas\": "},
      {With("labelSelector", "venue in (xnas"), "labelSelector"},
      {With("activationThreshold", "x"), "activationThreshold \"x\" is not a number"},
      {With("activationThreshold", "-1"), "activationThreshold must be >= 0"},
  };
  for (const Case& c : cases) {
    const ScalerError e = ParseError(c.metadata);
    EXPECT_EQ(e.code, grpc::StatusCode::INVALID_ARGUMENT) << c.message;
    EXPECT_THAT(e.message, HasSubstr(c.message));
    EXPECT_EQ(e.ToStatus().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
}

TEST(KedaEvaluateTest, SumsTheMatchingSeries) {
  const auto snapshot = MakeSnapshot();
  auto answer = Evaluate(snapshot.get(), Parse(With("labelSelector", "venue in (xnas,xnys)")));
  ASSERT_TRUE(std::holds_alternative<ScalerAnswer>(answer));
  EXPECT_EQ(std::get<ScalerAnswer>(answer).series, 2u);
  EXPECT_DOUBLE_EQ(std::get<ScalerAnswer>(answer).sum, 3.75);
  EXPECT_EQ(std::get<ScalerAnswer>(answer).milli, 3750);

  answer = Evaluate(snapshot.get(), Parse(kValid));  // no selector: every series
  ASSERT_TRUE(std::holds_alternative<ScalerAnswer>(answer));
  EXPECT_EQ(std::get<ScalerAnswer>(answer).series, 3u);
  EXPECT_EQ(std::get<ScalerAnswer>(answer).milli, 1003750);

  answer = Evaluate(snapshot.get(), Parse(With("labelSelector", "venue=arcx")));
  EXPECT_EQ(std::get<ScalerAnswer>(answer).milli, 1000000);
}

TEST(KedaEvaluateTest, SumsMilliValuesLikeTheHpa) {
  // 0.1 + 0.2 is 0.30000000000000004 in doubles, whose Quantity would be 301m; the HPA adds the
  // items' MilliValue() (100m + 200m), and so does the scaler.
  const auto t = std::chrono::system_clock::from_time_t(1764149400);
  ServedMetric m{"m", "p", ServedMetric::State::kOk, "", {}};
  m.values.push_back({"m", {{"venue", "a"}}, t, 15, 0.1, ""});
  m.values.push_back({"m", {{"venue", "b"}}, t, 15, 0.2, ""});
  m.values.push_back({"m", {{"venue", "c"}}, t, 15, 0.0001, ""});  // 1m, rounded up
  const Snapshot snapshot(t, {m}, true);
  auto answer = Evaluate(&snapshot, Parse({{"metric", "m"}, {"targetSize", "1"}}));
  ASSERT_TRUE(std::holds_alternative<ScalerAnswer>(answer));
  EXPECT_EQ(std::get<ScalerAnswer>(answer).milli, 301);
  answer = Evaluate(&snapshot,
                    Parse({{"metric", "m"}, {"targetSize", "1"}, {"labelSelector", "venue!=c"}}));
  EXPECT_EQ(std::get<ScalerAnswer>(answer).milli, 300);
}

TEST(KedaEvaluateTest, ActiveMeansAboveTheThreshold) {
  const auto snapshot = MakeSnapshot();
  const auto active = [&](const std::string& threshold) {
    Metadata m = With("labelSelector", "venue in (xnas,xnys)");  // 3.75
    if (!threshold.empty()) m["activationThreshold"] = threshold;
    auto answer = Evaluate(snapshot.get(), Parse(m));
    EXPECT_TRUE(std::holds_alternative<ScalerAnswer>(answer));
    return std::get<ScalerAnswer>(answer).active;
  };
  EXPECT_TRUE(active(""));  // default 0
  EXPECT_TRUE(active("3.7"));
  EXPECT_TRUE(active("3.749"));
  EXPECT_FALSE(active("3.75"));  // equal is not above
  EXPECT_FALSE(active("4"));
  EXPECT_FALSE(active("1e6"));
}

TEST(KedaEvaluateTest, ErrorCodes) {
  const auto snapshot = MakeSnapshot();
  auto error = [&](const Snapshot* s, const Metadata& m) {
    auto answer = Evaluate(s, Parse(m));
    EXPECT_TRUE(std::holds_alternative<ScalerError>(answer));
    return std::holds_alternative<ScalerError>(answer) ? std::get<ScalerError>(answer)
                                                       : ScalerError{};
  };
  ScalerError e = error(nullptr, kValid);
  EXPECT_EQ(e.code, grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(e.message, "no data loaded yet");

  e = error(snapshot.get(), With("metric", "order_flow"));
  EXPECT_EQ(e.code, grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(e.message,
            "metric \"order_flow\" is not served by prescale (served: order_flow_rate, "
            "order_flow_rate_forecast)");

  e = error(snapshot.get(), With("metric", "order_flow_rate"));  // stale
  EXPECT_EQ(e.code, grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(e.message, "metric \"order_flow_rate\": data is 700s old");

  const auto no_data = MakeSnapshot(ServedMetric::State::kNoData);
  e = error(no_data.get(), With("metric", "order_flow_rate"));
  EXPECT_EQ(e.code, grpc::StatusCode::UNAVAILABLE);

  e = error(snapshot.get(), With("labelSelector", "venue=xlon"));
  EXPECT_EQ(e.code, grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(e.message,
            "no series of metric \"order_flow_rate_forecast\" matches labelSelector "
            "\"venue=xlon\"");
}

TEST(KedaAnswerTest, MetricSpec) {
  const auto snapshot = MakeSnapshot();
  auto spec = MetricSpecAnswer(snapshot.get(), Parse(With("targetSize", "2000.5")));
  ASSERT_TRUE(std::holds_alternative<externalscaler::GetMetricSpecResponse>(spec));
  const auto& response = std::get<externalscaler::GetMetricSpecResponse>(spec);
  ASSERT_EQ(response.metricspecs_size(), 1);
  EXPECT_EQ(response.metricspecs(0).metricname(), "order_flow_rate_forecast");
  EXPECT_DOUBLE_EQ(response.metricspecs(0).targetsizefloat(), 2000.5);
  EXPECT_EQ(response.metricspecs(0).targetsize(), 2001);  // rounded up

  // The spec of a stale metric is known; no selector match needed either.
  Metadata stale = With("metric", "order_flow_rate");
  stale["labelSelector"] = "venue=xlon";
  stale["metricName"] = "orders";
  spec = MetricSpecAnswer(snapshot.get(), Parse(stale));
  ASSERT_TRUE(std::holds_alternative<externalscaler::GetMetricSpecResponse>(spec));
  EXPECT_EQ(std::get<externalscaler::GetMetricSpecResponse>(spec).metricspecs(0).metricname(),
            "orders");

  spec = MetricSpecAnswer(snapshot.get(), Parse(With("metric", "nope")));
  ASSERT_TRUE(std::holds_alternative<ScalerError>(spec));
  EXPECT_EQ(std::get<ScalerError>(spec).code, grpc::StatusCode::NOT_FOUND);
  spec = MetricSpecAnswer(nullptr, Parse(kValid));
  EXPECT_EQ(std::get<ScalerError>(spec).code, grpc::StatusCode::UNAVAILABLE);
}

TEST(KedaAnswerTest, MetricValueAsKedaReadsIt) {
  const auto snapshot = MakeSnapshot();
  auto metrics =
      MetricsAnswer(snapshot.get(), Parse(With("labelSelector", "venue!=arcx")), "s0-ignored");
  ASSERT_TRUE(std::holds_alternative<externalscaler::GetMetricsResponse>(metrics));
  const auto& response = std::get<externalscaler::GetMetricsResponse>(metrics);
  ASSERT_EQ(response.metricvalues_size(), 1);
  EXPECT_EQ(response.metricvalues(0).metricname(), "s0-ignored");
  EXPECT_EQ(static_cast<int64_t>(response.metricvalues(0).metricvaluefloat() * 1000), 3750);
  EXPECT_EQ(response.metricvalues(0).metricvalue(), 4);  // 3.75 rounded up

  metrics = MetricsAnswer(snapshot.get(), Parse(kValid), "");
  EXPECT_EQ(std::get<externalscaler::GetMetricsResponse>(metrics).metricvalues(0).metricname(),
            "order_flow_rate_forecast");
  metrics = MetricsAnswer(snapshot.get(), Parse(With("metric", "order_flow_rate")), "");
  EXPECT_EQ(std::get<ScalerError>(metrics).code, grpc::StatusCode::UNAVAILABLE);
}

TEST(KedaAnswerTest, KedaFloatTruncatesBackToTheMilliValue) {
  // KEDA reads a float v as int64(v * 1000), truncating. milli / 1000.0 alone loses a milli on
  // some values; KedaFloat never does.
  int naive_misses = 0;
  for (int64_t milli = 0; milli <= 200000; ++milli) {
    if (static_cast<int64_t>(static_cast<double>(milli) / 1000.0 * 1000.0) != milli) ++naive_misses;
    const double d = KedaFloat(milli);
    ASSERT_EQ(static_cast<int64_t>(d * 1000.0), milli) << milli;
    ASSERT_GE(d, static_cast<double>(milli) / 1000.0);
    ASSERT_LE(d - static_cast<double>(milli) / 1000.0, 1e-12 * std::max<double>(1, milli));
  }
  EXPECT_GT(naive_misses, 0);  // e.g. 0.29 * 1000 = 289.99999999999997
  for (int64_t milli : {int64_t{123456789012}, int64_t{9007199254740}, int64_t{1} << 52})
    EXPECT_EQ(static_cast<int64_t>(KedaFloat(milli) * 1000.0), milli) << milli;
  EXPECT_EQ(KedaFloat(0), 0.0);
  EXPECT_EQ(KedaFloat(-1500), -1.5);
}

TEST(KedaAnswerTest, CeilUnits) {
  EXPECT_EQ(CeilUnits(0), 0);
  EXPECT_EQ(CeilUnits(1), 1);
  EXPECT_EQ(CeilUnits(999), 1);
  EXPECT_EQ(CeilUnits(1000), 1);
  EXPECT_EQ(CeilUnits(1001), 2);
  EXPECT_EQ(CeilUnits(-1500), -1);
  EXPECT_EQ(CeilUnits(INT64_MAX), INT64_MAX / 1000 + 1);
}

TEST(KedaEvaluateTest, TheScaledObjectsNamespaceDecidesWhatItSees) {
  const auto t = std::chrono::system_clock::from_time_t(1764149400);
  ServedMetric m{"flow", "flow", ServedMetric::State::kOk, "", {}, {{}, "namespace"}};
  m.values.push_back({m.name, {{"namespace", "trading"}}, t, 15, 2, ""});
  m.values.push_back({m.name, {{"namespace", "risk"}}, t, 15, 5, ""});
  ServedMetric hidden{"hidden", "h", ServedMetric::State::kOk, "", {}, {{"risk"}, ""}};
  hidden.values.push_back({hidden.name, {}, t, 15, 1, ""});
  const auto snapshot =
      std::make_shared<const Snapshot>(t, std::vector<ServedMetric>{m, hidden}, true);
  const Metadata flow = {{"metric", "flow"}, {"targetSize", "1"}};
  const auto answer = Evaluate(snapshot.get(), Parse(flow));  // Ref() is in namespace trading
  ASSERT_TRUE(std::holds_alternative<ScalerAnswer>(answer));
  EXPECT_EQ(std::get<ScalerAnswer>(answer).milli, 2000);
  const auto refused = Evaluate(snapshot.get(), Parse({{"metric", "hidden"}, {"targetSize", "1"}}));
  ASSERT_TRUE(std::holds_alternative<ScalerError>(refused));
  EXPECT_EQ(std::get<ScalerError>(refused).code, grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(std::get<ScalerError>(refused).message.find("hidden ("), std::string::npos);
  EXPECT_EQ(std::get<ScalerError>(refused).message.find(", hidden"), std::string::npos);
}

}  // namespace
}  // namespace prescale::adapter::keda
