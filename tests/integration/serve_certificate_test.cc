// The HTTPS serving certificate is re-read when its files change (cert-manager or the kubelet
// updating a mounted Secret): new connections get the new certificate without a restart, and a
// broken replacement keeps the last good one in force.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/integration/serve_fixture.h"

namespace prescale::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

class ServeCertificateTest : public ServeFixture {
 protected:
  // Replaces a file the way the kubelet's atomic writer does: write beside it, then rename.
  static void Replace(const fs::path& file, const std::string& text) {
    const fs::path tmp = file.string() + ".tmp";
    std::ofstream(tmp) << text;
    fs::rename(tmp, file);
  }

  // Whether a client that trusts only `ca` can complete a request.
  bool TrustedBy(const TestCa& ca) {
    HttpsClientOptions o = Client(&alice_);
    o.ca_file = ca.cert_file().string();
    return HttpsGet(o, "/healthz").ok();
  }
};

TEST_F(ServeCertificateTest, ChangedFilesAreServedWithoutARestartAndABrokenOneIsRefused) {
  ServeAsAlice({}, kPolicy, /*demo=*/true);
  TempDir dir("prescale-rotated");
  TestCa rotated(dir.path(), "rotated");
  CertOptions longer;  // valid a day longer than the first one, so the expiry gauge must move
  longer.common_name = "localhost";
  longer.server_auth = true;
  longer.validity = std::chrono::hours(48);
  const IssuedCert next = rotated.Issue("next", longer);
  ASSERT_TRUE(TrustedBy(*server_ca_));
  ASSERT_FALSE(TrustedBy(rotated));
  const double expiry_before =
      MetricSample("prescale_serving_certificate_expiry_timestamp_seconds");
  EXPECT_GT(expiry_before, 0);

  Replace(serving_.key_file, next.key_pem);
  Replace(serving_.cert_file, next.cert_pem);
  ASSERT_TRUE(WaitUntil([&] { return TrustedBy(rotated); }, seconds(20), milliseconds(250)))
      << process_->ReadStderr();
  EXPECT_FALSE(TrustedBy(*server_ca_));
  server_ca_file_override_ = rotated.cert_file().string();  // Client() and MetricSample()
  EXPECT_GE(MetricSample("prescale_serving_certificate_reloads_total{result=\"success\"}"), 1);
  EXPECT_NEAR(MetricSample("prescale_serving_certificate_expiry_timestamp_seconds"),
              expiry_before + 86400, 30);
  EXPECT_NE(process_->ReadStderr().find("serving certificate reloaded"), std::string::npos);

  // A certificate that does not match the key: refused, the rotated pair stays in force.
  // (Replacing the key before the certificate above may already have counted one.)
  const std::string failures = "prescale_serving_certificate_reloads_total{result=\"failure\"}";
  const double failures_before = MetricSample(failures);
  ASSERT_GE(failures_before, 0);
  const IssuedCert other = rotated.IssueServer("other");
  Replace(serving_.cert_file, other.cert_pem);
  ASSERT_TRUE(WaitUntil([&] { return MetricSample(failures) > failures_before; }, seconds(20),
                        milliseconds(250)))
      << process_->ReadStderr();
  EXPECT_NE(process_->ReadStderr().find("does not match"), std::string::npos);
  EXPECT_TRUE(TrustedBy(rotated));
  const HttpsResult api = HttpsGet(Client(&alice_), "/apis/external.metrics.k8s.io/v1beta1");
  ASSERT_TRUE(api.ok()) << api.error;
  EXPECT_EQ(api.response->status, 200);
  EXPECT_TRUE(process_->Running());
}

}  // namespace
}  // namespace prescale::testing
