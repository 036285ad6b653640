#include "apiserver/request_info.h"

#include <gtest/gtest.h>

namespace prescale::apiserver {
namespace {

TEST(RequestInfoTest, ListEndpointIsVerbListOnTheMetricResource) {
  const auto info = ParseRequestInfo(
      "GET",
      "/apis/external.metrics.k8s.io/v1beta1/namespaces/trading/order_flow_rate?labelSelector=a");
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->resource_request);
  EXPECT_EQ(info->verb, "list");
  EXPECT_EQ(info->group, "external.metrics.k8s.io");
  EXPECT_EQ(info->version, "v1beta1");
  EXPECT_EQ(info->ns, "trading");
  EXPECT_EQ(info->resource, "order_flow_rate");
  EXPECT_EQ(info->name, "");
  EXPECT_EQ(info->path, "/apis/external.metrics.k8s.io/v1beta1/namespaces/trading/order_flow_rate");
}

TEST(RequestInfoTest, DiscoveryAndOtherPathsAreNonResource) {
  for (const char* path : {"/apis", "/apis/external.metrics.k8s.io",
                           "/apis/external.metrics.k8s.io/v1beta1", "/healthz", "/openapi/v2"}) {
    const auto info = ParseRequestInfo("GET", path);
    ASSERT_TRUE(info) << path;
    EXPECT_FALSE(info->resource_request) << path;
    EXPECT_EQ(info->verb, "get");
  }
  const auto ns = ParseRequestInfo("GET", "/apis/external.metrics.k8s.io/v1beta1/namespaces/foo");
  EXPECT_EQ(ns->resource, "namespaces");
  EXPECT_EQ(ns->name, "foo");
  EXPECT_EQ(ns->verb, "get");
  EXPECT_EQ(ParseRequestInfo("POST", "/apis/g/v/namespaces/n/m")->verb, "create");
  EXPECT_EQ(ParseRequestInfo("DELETE", "/apis/g/v/namespaces/n/m")->verb, "deletecollection");
  EXPECT_FALSE(ParseRequestInfo("GET", "no-slash"));
  EXPECT_FALSE(ParseRequestInfo("GET", "/apis/%zz"));
}

TEST(RequestInfoTest, QueryParameters) {
  bool malformed = false;
  EXPECT_EQ(QueryParameter("/x?labelSelector=venue%3Dxnas", "labelSelector", &malformed),
            "venue=xnas");
  EXPECT_EQ(
      QueryParameter("/x?a=1&labelSelector=venue+in+%28a%2Cb%29", "labelSelector", &malformed),
      "venue in (a,b)");
  EXPECT_EQ(QueryParameter("/x?labelSelector=", "labelSelector", &malformed), "");
  EXPECT_FALSE(QueryParameter("/x", "labelSelector", &malformed));
  EXPECT_FALSE(QueryParameter("/x?labelSelector=%G1", "labelSelector", &malformed));
  EXPECT_TRUE(malformed);
}

TEST(RequestInfoTest, AcceptNegotiation) {
  EXPECT_TRUE(AcceptsJson(""));
  EXPECT_TRUE(AcceptsJson("application/vnd.kubernetes.protobuf, */*"));
  EXPECT_TRUE(AcceptsJson("application/json;as=Table;v=v1;g=meta.k8s.io,application/json"));
  EXPECT_TRUE(AcceptsJson("Application/JSON"));
  EXPECT_FALSE(AcceptsJson("application/vnd.kubernetes.protobuf"));
  EXPECT_FALSE(AcceptsJson("text/html"));
}

}  // namespace
}  // namespace prescale::apiserver
