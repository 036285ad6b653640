#include "common/log.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

namespace prescale::log {
namespace {

TEST(LogTest, LineIsOneJsonObjectWithEscaping) {
  const std::string line =
      FormatLine(Level::kWarn, "bad \"quote\"\nnewline",
                 {{"path", "/apis"}, {"code", 404}, {"ok", false}, {"nan", std::nan("")}});
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const auto parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["level"], "warn");
  EXPECT_EQ(parsed["msg"], "bad \"quote\"\nnewline");
  EXPECT_EQ(parsed["path"], "/apis");
  EXPECT_EQ(parsed["code"], 404);
  EXPECT_EQ(parsed["ok"], false);
  EXPECT_TRUE(parsed["nan"].is_null());
  EXPECT_EQ(parsed["ts"].get<std::string>().size(), 24u);
}

TEST(LogTest, ParsesLevels) {
  Level level = Level::kInfo;
  EXPECT_TRUE(ParseLevel("debug", &level));
  EXPECT_EQ(level, Level::kDebug);
  EXPECT_FALSE(ParseLevel("verbose", &level));
}

}  // namespace
}  // namespace prescale::log
