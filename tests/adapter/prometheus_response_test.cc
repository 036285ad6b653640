#include "adapter/prometheus_response.h"

#include <gtest/gtest.h>

#include <cmath>

namespace prescale::adapter {
namespace {

std::vector<Series> ParseOk(const std::string& body) {
  auto parsed = ParseQueryResponse(body);
  if (auto* e = std::get_if<ParseError>(&parsed)) ADD_FAILURE() << e->message;
  return std::get<std::vector<Series>>(parsed);
}

std::string ParseFails(const std::string& body) {
  auto parsed = ParseQueryResponse(body);
  if (std::holds_alternative<std::vector<Series>>(parsed)) {
    ADD_FAILURE() << "parsed: " << body;
    return "";
  }
  return std::get<ParseError>(parsed).message;
}

TEST(PrometheusResponseTest, Matrix) {
  const auto series = ParseOk(R"({"status":"success","data":{"resultType":"matrix","result":[
    {"metric":{"venue":"xnas","job":"orders"},"values":[[1764149400,"12.5"],[1764149415.5,"13"]]},
    {"metric":{},"values":[]}]}})");
  ASSERT_EQ(series.size(), 2u);
  EXPECT_EQ(series[0].labels.at("venue"), "xnas");
  EXPECT_EQ(series[0].labels.at("job"), "orders");
  ASSERT_EQ(series[0].samples.size(), 2u);
  EXPECT_DOUBLE_EQ(series[0].samples[0].time, 1764149400);
  EXPECT_DOUBLE_EQ(series[0].samples[0].value, 12.5);
  EXPECT_DOUBLE_EQ(series[0].samples[1].time, 1764149415.5);
  EXPECT_TRUE(series[1].labels.empty());
  EXPECT_TRUE(series[1].samples.empty());
}

TEST(PrometheusResponseTest, VectorAndScalar) {
  auto v = ParseOk(
      R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"b"},"value":[1700000000.123,"4e3"]}]}})");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_DOUBLE_EQ(v[0].samples.at(0).value, 4000);
  auto s =
      ParseOk(R"({"status":"success","data":{"resultType":"scalar","result":[1700000000,"7"]}})");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_TRUE(s[0].labels.empty());
  EXPECT_DOUBLE_EQ(s[0].samples.at(0).value, 7);
}

TEST(PrometheusResponseTest, NonFiniteValuesArePassedOnAsSuch) {
  const auto series = ParseOk(R"({"status":"success","data":{"resultType":"matrix","result":[
    {"metric":{},"values":[[1,"NaN"],[2,"+Inf"],[3,"-Inf"],[4,"-1.5"]]}]}})");
  const auto& s = series.at(0).samples;
  ASSERT_EQ(s.size(), 4u);
  EXPECT_TRUE(std::isnan(s[0].value));
  EXPECT_TRUE(std::isinf(s[1].value) && s[1].value > 0);
  EXPECT_TRUE(std::isinf(s[2].value) && s[2].value < 0);
  EXPECT_DOUBLE_EQ(s[3].value, -1.5);
}

TEST(PrometheusResponseTest, WarningsAndUnknownFieldsAreIgnored) {
  const auto series = ParseOk(R"({"status":"success","warnings":["partial"],"data":{"result":[
    {"metric":{"x":"y"},"values":[[1,"2"]],"histograms":[]}],"resultType":"matrix"}})");
  ASSERT_EQ(series.size(), 1u);
  EXPECT_DOUBLE_EQ(series[0].samples.at(0).value, 2);
}

TEST(PrometheusResponseTest, ErrorStatusCarriesPrometheusMessage) {
  const std::string m = ParseFails(
      R"({"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected"})");
  EXPECT_EQ(m, "Prometheus answered error (bad_data): 1:5: parse error: unexpected");
}

TEST(PrometheusResponseTest, MalformedAnswersAreErrors) {
  EXPECT_NE(ParseFails("<html>502 Bad Gateway</html>").find("not valid JSON"), std::string::npos);
  EXPECT_NE(ParseFails(R"({"status":"success","data":{"resultType":"matrix","result":[)")
                .find("not valid JSON"),
            std::string::npos);
  EXPECT_EQ(ParseFails("[1,2]"), "the answer is not a JSON object");
  EXPECT_EQ(ParseFails(R"({"data":{}})"), "field \"status\" is missing");
  EXPECT_EQ(ParseFails(R"({"status":"success"})"), "field \"data\" is missing");
  EXPECT_EQ(ParseFails(R"({"status":"success","data":{"result":[]}})"),
            "field \"data.resultType\" is missing");
  EXPECT_EQ(ParseFails(R"({"status":"success","data":{"resultType":"string","result":[1,"a"]}})"),
            "unsupported resultType \"string\"");
  EXPECT_EQ(
      ParseFails(
          R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"abc"]]}]}})"),
      "data.result[].values: sample value \"abc\" is not a number");
  EXPECT_EQ(
      ParseFails(
          R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,2]]}]}})"),
      "data.result[].values is not a string");
  EXPECT_EQ(
      ParseFails(
          R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1]]}]}})"),
      "data.result[].values: a sample is not [time, value]");
  EXPECT_EQ(
      ParseFails(
          R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":1},"values":[]}]}})"),
      "data.result[].metric is not a string");
}

TEST(PrometheusResponseTest, PaddedAndUnpaddedBuffersParseAlike) {
  std::string body =
      R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"3"]}]}})";
  std::string padded = body;
  padded.reserve(body.size() + 128);
  EXPECT_DOUBLE_EQ(ParseOk(body).at(0).samples.at(0).value, 3);
  EXPECT_DOUBLE_EQ(ParseOk(padded).at(0).samples.at(0).value, 3);
}

TEST(PrometheusResponseTest, SampleValues) {
  double v = 0;
  EXPECT_TRUE(ParseSampleValue("1e-3", &v));
  EXPECT_DOUBLE_EQ(v, 0.001);
  EXPECT_TRUE(ParseSampleValue("+2", &v));
  EXPECT_DOUBLE_EQ(v, 2);
  EXPECT_FALSE(ParseSampleValue("", &v));
  EXPECT_FALSE(ParseSampleValue("1.5x", &v));
  EXPECT_FALSE(ParseSampleValue("1e999", &v));
}

}  // namespace
}  // namespace prescale::adapter
