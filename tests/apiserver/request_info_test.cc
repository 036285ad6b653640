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

TEST(RequestInfoTest, SegmentsAreValidatedAndSplitAsKubernetesSplitsThem) {
  std::string why;
  // An encoded '/' inside a segment would let a client choose attributes (m8).
  EXPECT_FALSE(ParseRequestInfo("GET", "/apis/g/v/namespaces/a%2Fb/m", &why));
  EXPECT_EQ(why, "an encoded '/' in a path segment");
  EXPECT_FALSE(ParseRequestInfo("GET", "/apis/g/v/namespaces/n/m%00", &why));
  EXPECT_EQ(why, "a path segment is not printable UTF-8");
  EXPECT_FALSE(ParseRequestInfo("GET", "/%FF", &why));  // invalid UTF-8 (m2)
  EXPECT_FALSE(ParseRequestInfo("GET", "/%C0%AF"));     // overlong '/'
  EXPECT_FALSE(ParseRequestInfo("GET", "/%ED%A0%80"));  // a surrogate
  EXPECT_TRUE(ParseRequestInfo("GET", "/apis/g/v/namespaces/n/%C3%A9t%C3%A9"));  // "été"
  EXPECT_FALSE(ParseRequestInfo("GET", "/apis/g/v/namespaces/Trading/m", &why));
  EXPECT_EQ(why, "invalid namespace name \"Trading\"");
  EXPECT_FALSE(ParseRequestInfo("GET", "/apis/g/v/namespaces/-x/m"));
  // Inner empty segments stay (k8s: strings.Split(strings.Trim(path, "/"), "/")).
  const auto inner = ParseRequestInfo("GET", "/apis//external.metrics.k8s.io/v1beta1/");
  ASSERT_TRUE(inner);
  EXPECT_EQ(inner->parts,
            (std::vector<std::string>{"apis", "", "external.metrics.k8s.io", "v1beta1"}));
  const auto sub = ParseRequestInfo("GET", "/apis/g/v/namespaces/n/pods/p/status");
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->subresource, "status");
}

TEST(RequestInfoTest, PrintableUtf8) {
  EXPECT_TRUE(IsPrintableUtf8("plain"));
  EXPECT_TRUE(IsPrintableUtf8("\xF0\x9F\x93\x88"));  // U+1F4C8
  EXPECT_FALSE(IsPrintableUtf8("tab\t"));
  EXPECT_FALSE(IsPrintableUtf8("\x7f"));
  EXPECT_FALSE(IsPrintableUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsPrintableUtf8("\xE2\x82"));          // truncated
}

}  // namespace
}  // namespace prescale::apiserver
