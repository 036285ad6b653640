#include "apiserver/serving_certs.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/support/temp_dir.h"

namespace prescale::apiserver {
namespace {

namespace fs = std::filesystem;

mode_t Mode(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 0777;
}

TEST(ServingCertsTest, GeneratedKeyIsPrivateInAPrivateDirectory) {
  testsupport::TempDir tmp("prescale-certdir");
  const fs::path dir = tmp.path() / "nested" / "certs";
  const ServingCertFiles files = ResolveServingCert("", "", dir.string());
  EXPECT_TRUE(files.generated);
  EXPECT_EQ(Mode(dir), 0700u);
  EXPECT_EQ(Mode(files.key_file), 0600u);
  EXPECT_FALSE(fs::exists(files.key_file + ".tmp"));
  std::ifstream key(files.key_file);
  std::string first;
  std::getline(key, first);
  EXPECT_EQ(first, "-----BEGIN PRIVATE KEY-----");
  // A second start keeps the pair.
  EXPECT_FALSE(ResolveServingCert("", "", dir.string()).generated);
}

TEST(ServingCertsTest, AnOpenDirectoryIsRefused) {
  testsupport::TempDir tmp("prescale-certdir");
  const fs::path dir = tmp.path() / "shared";
  fs::create_directory(dir);
  ::chmod(dir.c_str(), 0777);
  try {
    ResolveServingCert("", "", dir.string());
    ADD_FAILURE() << "a world-writable --cert-dir was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("writable by group or others"), std::string::npos);
  }
  EXPECT_FALSE(fs::exists(dir / "apiserver.key"));
}

TEST(ServingCertsTest, APlantedSymlinkIsNeverFollowed) {
  testsupport::TempDir tmp("prescale-certdir");
  const fs::path dir = tmp.path() / "certs";
  fs::create_directory(dir);
  ::chmod(dir.c_str(), 0700);
  const fs::path target = tmp.path() / "stolen";
  std::ofstream(target) << "";
  // Only the certificate is missing: the pair is generated again; the key's temporary name is a
  // symlink to a file elsewhere, which must not receive the key.
  fs::create_symlink(target, dir / "apiserver.key.tmp");
  std::ofstream(dir / "apiserver.key") << "old";
  const ServingCertFiles files = ResolveServingCert("", "", dir.string());
  EXPECT_TRUE(files.generated);
  EXPECT_EQ(fs::file_size(target), 0u);
  EXPECT_FALSE(fs::is_symlink(files.key_file));
  EXPECT_EQ(Mode(files.key_file), 0600u);
}

}  // namespace
}  // namespace prescale::apiserver
