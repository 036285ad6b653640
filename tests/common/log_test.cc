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
TEST(LogTest, TextFormatIsKlogs) {
  Format format = Format::kJson;
  ASSERT_TRUE(ParseFormat("text", &format));
  EXPECT_FALSE(ParseFormat("yaml", &format));
  SetFormat(Format::kText);
  const std::string line =
      FormatLine(Level::kWarn, "token file \"x\" changed", {{"policy", "flow"}, {"series", 3}});
  SetFormat(Format::kJson);
  // W1204 15:04:05.123456    4242 prescale] "token file \"x\" changed" policy="flow" series=3
  ASSERT_GE(line.size(), 30u);
  EXPECT_EQ(line[0], 'W');
  EXPECT_EQ(line[5], ' ');
  EXPECT_EQ(line[8], ':');
  EXPECT_EQ(line[14], '.');
  EXPECT_NE(line.find(" prescale] \"token file \\\"x\\\" changed\" policy=\"flow\" series=3"),
            std::string::npos)
      << line;
  EXPECT_EQ(FormatLine(Level::kInfo, "m", {}).front(), '{');  // back to JSON
}

TEST(LogTest, KlogVerbosityMapsOntoLevels) {
  EXPECT_EQ(LevelForVerbosity(0), Level::kInfo);
  EXPECT_EQ(LevelForVerbosity(2), Level::kInfo);
  EXPECT_EQ(LevelForVerbosity(4), Level::kDebug);
  EXPECT_EQ(LevelForVerbosity(10), Level::kDebug);
}

}  // namespace prescale::log
