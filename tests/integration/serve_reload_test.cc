// `prescale serve` reloads its policy file when it changes, including a Kubernetes ConfigMap
// update (an atomic swap of the `..data` symlink), and keeps the last good configuration when
// the new content is bad.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/integration/serve_fixture.h"
#include "tests/support/fake_prometheus.h"

namespace prescale::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::string Policies(const std::string& url, const std::vector<std::string>& names,
                     const std::string& history = "1h") {
  std::string text = "prometheus:\n  url: " + url + "\nrefresh: 1s\npolicies:\n";
  for (const std::string& name : names) {
    text += "  - name: " + name +
            "\n    query: sum by (venue) (rate(orders_total[1m]))\n    step: 5s\n"
            "    history: " +
            history + "\n    seasonality: []\n";
  }
  return text;
}

class ServeReloadTest : public ServeFixture {
 protected:
  // Lays out a ConfigMap volume: policy.yaml -> ..data/policy.yaml, ..data -> ..<version>.
  void WriteConfigMap(const fs::path& dir, const std::string& version, const std::string& text) {
    fs::create_directories(dir / version);
    std::ofstream(dir / version / "policy.yaml") << text;
    const fs::path tmp = dir / "..data_tmp";
    fs::remove(tmp);
    fs::create_directory_symlink(version, tmp);
    fs::rename(tmp, dir / "..data");  // atomic, as the kubelet does
    if (!fs::is_symlink(dir / "policy.yaml"))
      fs::create_symlink("..data/policy.yaml", dir / "policy.yaml");
  }

  std::string Discovery() {
    const HttpsResult r = HttpsGet(Client(&alice_), "/apis/external.metrics.k8s.io/v1beta1");
    return r.ok() ? r.response->body : "";
  }

  int Status(const std::string& metric) {
    const HttpsResult r = HttpsGet(
        Client(&alice_), "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/" + metric);
    return r.ok() ? r.response->status : 0;
  }

  std::string Metrics() {
    const HttpsResult r = HttpsGet(Client(&alice_), "/metrics");
    return r.ok() ? r.response->body : "";
  }

  FakePrometheus prometheus_;
  TempDir volume_{"prescale-configmap"};
};

TEST_F(ServeReloadTest, ConfigMapSymlinkSwapAddsAPolicyAndABadFileKeepsTheLastGoodOne) {
  const fs::path dir = volume_.path();
  WriteConfigMap(dir, "..v1", Policies(prometheus_.url(), {"flow"}));
  config_path_override_ = (dir / "policy.yaml").string();
  ServeAsAlice({}, "unused", /*demo=*/false);
  EXPECT_NE(Discovery().find("\"flow_forecast\""), std::string::npos);
  EXPECT_EQ(Discovery().find("\"volume_forecast\""), std::string::npos);

  WriteConfigMap(dir, "..v2", Policies(prometheus_.url(), {"flow", "volume"}));
  ASSERT_TRUE(WaitUntil(
      [&] {
        const HttpsResult r = HttpsGet(Client(&alice_),
                                       "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/"
                                       "volume_forecast");
        return r.ok() && r.response->status == 200;
      },
      seconds(20), milliseconds(250)))
      << process_->ReadStderr();
  EXPECT_NE(Discovery().find("\"volume_forecast\""), std::string::npos);
  // The load at start-up counts as the first success.
  EXPECT_NE(Metrics().find("prescale_config_reloads_total{result=\"success\"} 2"),
            std::string::npos);

  // A bad file: an error naming the file, line and field; both policies stay served.
  WriteConfigMap(dir, "..v3", "refresh: 1s\npolicies:\n  - name: flow\n    step: fast\n");
  ASSERT_TRUE(WaitUntil(
      [&] {
        return Metrics().find("prescale_config_reloads_total{result=\"failure\"} 1") !=
               std::string::npos;
      },
      seconds(20), milliseconds(250)));
  EXPECT_NE(Metrics().find("prescale_config_last_reload_successful 0"), std::string::npos);
  EXPECT_NE(Discovery().find("\"volume_forecast\""), std::string::npos);
  EXPECT_NE(Discovery().find("\"flow_forecast\""), std::string::npos);
  const std::string log = process_->ReadStderr();
  EXPECT_NE(log.find("policy.yaml:4:"), std::string::npos) << log;
  EXPECT_TRUE(process_->Running());
}

// Make-before-break: while a changed policy loads its history (here: for as long as Prometheus
// fails), its previous version keeps being served, so HPAs never see the metric vanish.
TEST_F(ServeReloadTest, AChangedPolicyIsServedByItsPreviousVersionUntilTheNewOneHasLoaded) {
  const fs::path dir = volume_.path();
  WriteConfigMap(dir, "..v1", Policies(prometheus_.url(), {"flow"}, "1h"));
  config_path_override_ = (dir / "policy.yaml").string();
  ServeAsAlice({}, "unused", /*demo=*/false);
  ASSERT_EQ(Status("flow_forecast"), 200);

  prometheus_.SetMode(FakePrometheus::Mode::kHttp5xx);
  WriteConfigMap(dir, "..v2", Policies(prometheus_.url(), {"flow"}, "2h"));
  const auto in_force = [&] {
    const std::string log = process_->ReadStderr();
    int count = 0;
    for (size_t at = log.find("configuration in force"); at != std::string::npos;
         at = log.find("configuration in force", at + 1))
      ++count;
    return count;
  };
  ASSERT_TRUE(WaitUntil([&] { return in_force() == 2; }, seconds(20), milliseconds(100)))
      << process_->ReadStderr();
  // Several refreshes in which the new version cannot load: the old one answers throughout.
  for (int i = 0; i < 12; ++i) {
    EXPECT_EQ(Status("flow_forecast"), 200) << i;
    EXPECT_EQ(Status("flow"), 200) << i;
    std::this_thread::sleep_for(milliseconds(250));
  }
  EXPECT_NE(process_->ReadStderr().find("the previous version serves until the new one"),
            std::string::npos);
  EXPECT_EQ(process_->ReadStderr().find("policy change in force"), std::string::npos);

  prometheus_.SetMode(FakePrometheus::Mode::kPassThrough);
  ASSERT_TRUE(WaitUntil(
      [&] { return process_->ReadStderr().find("policy change in force") != std::string::npos; },
      seconds(60), milliseconds(250)))
      << process_->ReadStderr();
  EXPECT_EQ(Status("flow_forecast"), 200);
  // The new version loaded its own, longer window: 2 h of history plus the 1 h refit period,
  // where the old one reached back about 2 h.
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  double earliest = now;
  for (const FakeRequest& r : prometheus_.request_log()) {
    if (r.path == "/api/v1/query_range" && r.params.count("start"))
      earliest = std::min(earliest, std::stod(r.params.at("start")));
  }
  EXPECT_LT(earliest, now - 2.5 * 3600);
  EXPECT_TRUE(process_->Running());
}

}  // namespace
}  // namespace prescale::testing
