#pragma once
// A private scratch directory per test, removed with everything in it when the
// test ends, so tests never share state through the file system.

#include <filesystem>
#include <string>
#include <string_view>

namespace ferry::testing {

class TempDir {
 public:
  // Creates $TMPDIR/ferry-test-XXXXXX (or /tmp/... when TMPDIR is unset).
  // Throws std::runtime_error if the directory cannot be created.
  TempDir();
  // Removes the directory recursively; errors are ignored (a test must not
  // fail in its destructor because a child still held a file open).
  ~TempDir();

  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  void Remove() noexcept;

  std::filesystem::path path_;
};

// Whole-file contents. A file that does not exist reads as "" so a test can
// poll a log before the process under test has written it; any other failure
// throws std::runtime_error.
std::string ReadFile(const std::filesystem::path& path);

// Replaces the file's contents, creating missing parent directories.
// Throws std::runtime_error on failure.
void WriteFile(const std::filesystem::path& path, std::string_view contents);

}  // namespace ferry::testing
