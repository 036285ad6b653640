#include "apiserver/tls_settings.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

namespace prescale::apiserver {
namespace {

TEST(TlsSettingsTest, KubernetesNamesBecomeOpenSslOnes) {
  std::string error;
  const auto s =
      ParseTlsSettings("VersionTLS12",
                       {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "TLS_AES_256_GCM_SHA384"},
                       &error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->min_version, TLS1_2_VERSION);
  EXPECT_EQ(s->tls12_ciphers, "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305");
  EXPECT_EQ(s->tls13_ciphers, "TLS_AES_256_GCM_SHA384");
}

TEST(TlsSettingsTest, DefaultsAndRefusals) {
  std::string error;
  const auto d = ParseTlsSettings("", {}, &error);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->tls12_ciphers, DefaultTlsSettings().tls12_ciphers);
  EXPECT_EQ(ParseTlsSettings("VersionTLS13", {}, &error)->min_version, TLS1_3_VERSION);
  EXPECT_FALSE(ParseTlsSettings("VersionTLS10", {}, &error));
  EXPECT_EQ(error, "--tls-min-version VersionTLS10: prescale serves TLS 1.2 and 1.3 only");
  EXPECT_FALSE(ParseTlsSettings("TLS1.2", {}, &error));
  EXPECT_FALSE(ParseTlsSettings("", {"TLS_RSA_WITH_3DES_EDE_CBC_SHA"}, &error));
  EXPECT_FALSE(ParseTlsSettings("", {"TLS_AES_128_GCM_SHA256"}, &error));  // 1.2 needs suites
  EXPECT_TRUE(ParseTlsSettings("VersionTLS13", {"TLS_AES_128_GCM_SHA256"}, &error));
  EXPECT_EQ(SupportedCipherSuites().size(), 15u);
}

}  // namespace
}  // namespace prescale::apiserver
