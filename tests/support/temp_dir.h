// A scratch directory for one test: created fresh, removed with everything in it.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace prescale::testsupport {

// Creates a new directory with mkdtemp under $TMPDIR (or /tmp) on construction and removes it
// recursively on destruction, unless PRESCALE_KEEP_TEST_DIRS is set in the environment (then it
// is kept for post-mortem reading). Throws std::runtime_error if the directory cannot be made.
// Movable, not copyable; not thread-safe, but the files it names can be used from any thread.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "prescale-test");
  ~TempDir();
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // path()/name; does not create anything.
  std::filesystem::path File(std::string_view name) const { return path_ / name; }

  // Writes `content` to path()/name (replacing it) and returns the full path. Throws
  // std::runtime_error on I/O failure.
  std::filesystem::path WriteFile(std::string_view name, std::string_view content) const;

 private:
  void Remove() noexcept;
  std::filesystem::path path_;
};

// Whole file as a string; empty if it cannot be read (tests assert on content, not on errors).
std::string ReadFileOrEmpty(const std::filesystem::path& file);

// Writes `content` to `file`, replacing it; throws std::runtime_error on failure.
void WriteFileOrThrow(const std::filesystem::path& file, std::string_view content);

}  // namespace prescale::testsupport
