#include "common/bearer_token.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace prescale {
namespace {

std::filesystem::path TokenFile() {
  return std::filesystem::temp_directory_path() / ("prescale-token-" + std::to_string(getpid()));
}

TEST(BearerTokenTest, TrailingWhitespaceIsNotPartOfTheToken) {
  const std::filesystem::path file = TokenFile();
  std::ofstream(file) << "eyJhbGciOi.abc def\r\n\n";
  EXPECT_EQ(ReadBearerToken(file.string()), "eyJhbGciOi.abc def");
  std::ofstream(file) << "";
  EXPECT_EQ(ReadBearerToken(file.string()), "");
  std::filesystem::remove(file);
  std::string error;
  EXPECT_EQ(ReadBearerToken(file.string(), &error), std::nullopt);
  EXPECT_EQ(error, "cannot read the token file " + file.string());
}

TEST(BearerTokenTest, ControlCharactersInsideTheTokenAreRefusedWithoutEchoingIt) {
  const std::filesystem::path file = TokenFile();
  // CR LF inside would end the Authorization header and start one of the file's choosing.
  const std::pair<std::string, std::string> cases[] = {
      {std::string("s3cret\r\nX-Injected: 1\n"), "byte 0x0D at offset 6"},
      {std::string("s3cret\nsecond-line"), "byte 0x0A at offset 6"},
      {std::string("s3c\0ret", 7), "byte 0x00 at offset 3"},
      {std::string("s3\tcret"), "byte 0x09 at offset 2"},
      {std::string("s3cret\x7F"), "byte 0x7F at offset 6"}};
  for (const auto& [content, where] : cases) {
    std::ofstream(file, std::ios::binary) << content;
    std::string error;
    EXPECT_EQ(ReadBearerToken(file.string(), &error), std::nullopt) << where;
    EXPECT_NE(error.find(where), std::string::npos) << error;
    EXPECT_NE(error.find(file.string()), std::string::npos) << error;
    EXPECT_EQ(error.find("s3"), std::string::npos) << "the token is echoed: " << error;
  }
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace prescale
