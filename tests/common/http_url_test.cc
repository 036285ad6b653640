#include "common/http_url.h"

#include <gtest/gtest.h>

namespace prescale {
namespace {

HttpUrl Parse(std::string_view url) {
  std::string error;
  std::optional<HttpUrl> u = ParseHttpUrl(url, "Test URL", "use a token file", &error);
  EXPECT_TRUE(u) << error;
  return u.value_or(HttpUrl{});
}

std::string Error(std::string_view url) {
  std::string error;
  EXPECT_FALSE(ParseHttpUrl(url, "Test URL", "use a token file", &error)) << url;
  return error;
}

TEST(HttpUrlTest, DefaultPortsFollowTheScheme) {
  const HttpUrl plain = Parse("http://prometheus.monitoring.svc");
  EXPECT_FALSE(plain.tls);
  EXPECT_EQ(plain.host, "prometheus.monitoring.svc");
  EXPECT_EQ(plain.port, "80");
  EXPECT_EQ(plain.path, "");
  const HttpUrl secure = Parse("https://10.0.0.1");
  EXPECT_TRUE(secure.tls);
  EXPECT_EQ(secure.port, "443");
}

TEST(HttpUrlTest, PortAndPathPrefixWithoutTrailingSlash) {
  const HttpUrl u = Parse("https://thanos:10902/prefix/api//");
  EXPECT_EQ(u.host, "thanos");
  EXPECT_EQ(u.port, "10902");
  EXPECT_EQ(u.path, "/prefix/api");
  EXPECT_EQ(Parse("http://p:9090/").path, "");
}

TEST(HttpUrlTest, BracketedIpv6) {
  const HttpUrl u = Parse("http://[::1]:9090/x");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, "9090");
  EXPECT_EQ(u.path, "/x");
  EXPECT_EQ(Parse("https://[fd00::10]").port, "443");
}

TEST(HttpUrlTest, MalformedUrlsNameTheirProblem) {
  EXPECT_EQ(Error("ftp://p:21"),
            "Test URL must start with http:// or https://, got \"ftp://p:21\"");
  EXPECT_EQ(Error("http://:9090"), "Test URL has no valid host and port: \"http://:9090\"");
  EXPECT_EQ(Error("http://p:port"), "Test URL has no valid host and port: \"http://p:port\"");
  EXPECT_EQ(Error("http://p:"), "Test URL has no valid host and port: \"http://p:\"");
  EXPECT_EQ(Error("http://[::1:9090"),
            "Test URL has an unterminated IPv6 address: http://[::1:9090");
  EXPECT_EQ(Error("http://[::1]9090"), "Test URL has no valid host and port: \"http://[::1]9090\"");
}

TEST(HttpUrlTest, CredentialsAreRefusedWithoutEchoingThem) {
  const std::string error = Error("https://admin:s3cret@p:9090");
  EXPECT_EQ(error, "credentials in the Test URL are not supported; use a token file");
  EXPECT_EQ(error.find("s3cret"), std::string::npos);
}

TEST(HttpUrlTest, TheQueryIsKeptApartFromThePath) {
  const HttpUrl u = Parse("https://thanos:10902/api/prom/?dedup=true&partial_response=false");
  EXPECT_EQ(u.path, "/api/prom");
  EXPECT_EQ(u.query, "dedup=true&partial_response=false");
  EXPECT_EQ(u.Target("/api/v1/query_range"),
            "/api/prom/api/v1/query_range?dedup=true&partial_response=false");
  const HttpUrl bare = Parse("http://thanos?dedup=true");
  EXPECT_EQ(bare.host, "thanos");
  EXPECT_EQ(bare.port, "80");
  EXPECT_EQ(bare.path, "");
  EXPECT_EQ(bare.Target("/api/v1/query"), "/api/v1/query?dedup=true");
  EXPECT_EQ(Parse("http://p:9090/x").Target("/api/v1/query"), "/x/api/v1/query");
  EXPECT_EQ(Parse("http://p:9090/x?").Target("/api/v1/query"), "/x/api/v1/query");
}

TEST(HttpUrlTest, FragmentsAndUnencodedQueriesAreRefused) {
  EXPECT_EQ(Error("http://p:9090/x#top"),
            "Test URL has a fragment (#...), which is never sent to the server: remove it");
  EXPECT_EQ(Error("http://p:9090#top"),
            "Test URL has a fragment (#...), which is never sent to the server: remove it");
  EXPECT_EQ(Error("http://p:9090/?a=b c"),
            "Test URL has a space or a control character in its query: encode it (%20...)");
}

TEST(HttpUrlTest, HostHeaderCarriesANonDefaultPort) {
  EXPECT_EQ(Parse("http://p").HostHeader(), "p");
  EXPECT_EQ(Parse("https://p:443").HostHeader(), "p");
  EXPECT_EQ(Parse("http://p:9090").HostHeader(), "p:9090");
  EXPECT_EQ(Parse("https://[fd00::1]:9091").HostHeader(), "[fd00::1]:9091");
}

TEST(HttpUrlTest, LogsShowQueryParameterNamesOnly) {
  EXPECT_EQ(Parse("https://gw:8443/prom?tenant=t1&api_key=s3cret&flag").ForLogs(),
            "https://gw:8443/prom?tenant=...&api_key=...&flag");
  EXPECT_EQ(Parse("http://p:9090").ForLogs(), "http://p:9090");
}

}  // namespace
}  // namespace prescale
