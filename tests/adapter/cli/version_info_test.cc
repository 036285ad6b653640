#include "adapter/cli/version_info.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace prescale::cli {
namespace {

TEST(VersionInfoTest, MajorAndMinorAreWholeNumbers) {
  const nlohmann::json v = nlohmann::json::parse(VersionInfoJson("0.10.2-rc1"));
  EXPECT_EQ(v["major"], "0");
  EXPECT_EQ(v["minor"], "10");  // was "1": one character
  EXPECT_EQ(v["gitVersion"], "v0.10.2-rc1");
  EXPECT_EQ(nlohmann::json::parse(VersionInfoJson("12.3.0"))["major"], "12");
}

TEST(VersionInfoTest, PlatformIsTheBuildsGoosGoarch) {
  const std::string platform = nlohmann::json::parse(VersionInfoJson("1.0.0"))["platform"];
  EXPECT_EQ(platform, Platform());
#if defined(__x86_64__)
  EXPECT_EQ(platform, "linux/amd64");
#elif defined(__aarch64__)
  EXPECT_EQ(platform, "linux/arm64");
#endif
}

}  // namespace
}  // namespace prescale::cli
