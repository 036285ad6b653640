#include "common/file_stamp.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace prescale {
namespace {

namespace fs = std::filesystem;

TEST(FileStampTest, ChangesWhenTheFileIsReplacedEvenWithTheSameSize) {
  const fs::path dir = fs::temp_directory_path() / ("prescale-stamp-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "token";
  std::ofstream(file) << "aaaa";
  const FileStamp first = StampOf(file.string());
  EXPECT_TRUE(first.exists);
  EXPECT_EQ(first.size, 4);
  EXPECT_TRUE(StampOf(file.string()) == first);

  // A kubelet-style update: a new file renamed over the old one (a new inode).
  std::ofstream(dir / "next") << "bbbb";
  fs::rename(dir / "next", file);
  EXPECT_FALSE(StampOf(file.string()) == first);

  fs::remove_all(dir);
  EXPECT_FALSE(StampOf(file.string()).exists);
}

}  // namespace
}  // namespace prescale
