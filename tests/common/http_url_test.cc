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

}  // namespace
}  // namespace prescale
