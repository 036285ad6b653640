#include "apiserver/api_types.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

namespace prescale::apiserver {
namespace {

using nlohmann::json;

TEST(ApiTypesTest, ApiResourceListListsEveryMetricAsNamespacedResource) {
  const json list =
      json::parse(EncodeApiResourceList({{"order_flow_rate"}, {"order_flow_rate_forecast"}}));
  EXPECT_EQ(list["kind"], "APIResourceList");
  EXPECT_EQ(list["apiVersion"], "v1");
  EXPECT_EQ(list["groupVersion"], "external.metrics.k8s.io/v1beta1");
  ASSERT_EQ(list["resources"].size(), 2u);
  EXPECT_EQ(list["resources"][1],
            json::parse(R"({"name":"order_flow_rate_forecast","singularName":"","namespaced":true,
                            "kind":"ExternalMetricValueList","verbs":["get"]})"));
  EXPECT_EQ(json::parse(EncodeApiResourceList({}))["resources"], json::array());
}

TEST(ApiTypesTest, GroupDocuments) {
  const json group = json::parse(EncodeApiGroup());
  EXPECT_EQ(group["kind"], "APIGroup");
  EXPECT_EQ(group["name"], "external.metrics.k8s.io");
  EXPECT_EQ(group["preferredVersion"]["groupVersion"], "external.metrics.k8s.io/v1beta1");
  EXPECT_EQ(group["versions"][0]["version"], "v1beta1");
  const json list = json::parse(EncodeApiGroupList());
  EXPECT_EQ(list["kind"], "APIGroupList");
  EXPECT_EQ(list["groups"][0], group);
}

TEST(ApiTypesTest, ValueListBytes) {
  ExternalMetricValue v{"order_flow_rate_forecast",
                        {{"venue", "xnas"}},
                        std::chrono::system_clock::from_time_t(1764149400),
                        15,
                        1.5,
                        ""};
  ExternalMetricValue nan = v;
  nan.value = std::nan("");
  MetricValues values;
  values.items = {&v, &nan};
  EXPECT_EQ(EncodeExternalMetricValueList(values),
            R"({"kind":"ExternalMetricValueList","apiVersion":"external.metrics.k8s.io/v1beta1",)"
            R"("metadata":{},"items":[{"metricName":"order_flow_rate_forecast",)"
            R"("metricLabels":{"venue":"xnas"},"timestamp":"2025-11-26T09:30:00Z","window":15,)"
            R"("value":"1500m"}]})");
  v.json = EncodeExternalMetricValue(v);
  values.items = {&v};
  EXPECT_EQ(json::parse(EncodeExternalMetricValueList(values))["items"][0]["value"], "1500m");
  v.window_seconds.reset();
  v.labels.clear();
  const json item = json::parse(EncodeExternalMetricValue(v));
  EXPECT_FALSE(item.contains("window"));
  EXPECT_EQ(item["metricLabels"], json::object());
}

TEST(ApiTypesTest, StatusObject) {
  const json s = json::parse(EncodeStatus(404, "NotFound",
                                          "the server could not find the metric x for namespaces",
                                          R"({"name":"x","kind":"namespaces"})"));
  EXPECT_EQ(s["kind"], "Status");
  EXPECT_EQ(s["apiVersion"], "v1");
  EXPECT_EQ(s["status"], "Failure");
  EXPECT_EQ(s["reason"], "NotFound");
  EXPECT_EQ(s["code"], 404);
  EXPECT_EQ(s["details"]["name"], "x");
  EXPECT_EQ(s["metadata"], json::object());
}

}  // namespace
}  // namespace prescale::apiserver
