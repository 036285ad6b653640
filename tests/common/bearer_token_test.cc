#include "common/bearer_token.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace prescale {
namespace {

TEST(BearerTokenTest, TrailingWhitespaceIsNotPartOfTheToken) {
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("prescale-token-" + std::to_string(getpid()));
  std::ofstream(file) << "eyJhbGciOi.abc def\r\n\n";
  EXPECT_EQ(ReadBearerToken(file.string()), "eyJhbGciOi.abc def");
  std::ofstream(file) << "";
  EXPECT_EQ(ReadBearerToken(file.string()), "");
  std::filesystem::remove(file);
  EXPECT_EQ(ReadBearerToken(file.string()), std::nullopt);
}

}  // namespace
}  // namespace prescale
