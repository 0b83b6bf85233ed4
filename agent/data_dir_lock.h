#pragma once
// DataDirLock: an exclusive flock on `<data_dir>/agent.lock`, held by the
// running agent for its whole life (from before it opens the store until
// after it has closed it) and by the CLI while it changes the buffer of a
// stopped agent. So there is never more than one writer, even while an
// agent starts or stops and its control socket is not there.

#include <filesystem>

#include "common/status.h"

namespace ferry::agent {

class DataDirLock {
 public:
  // Unavailable when another process holds it.
  static Result<DataDirLock> Acquire(const std::filesystem::path& data_dir);

  DataDirLock(DataDirLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DataDirLock& operator=(DataDirLock&& other) noexcept;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  ~DataDirLock();

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace ferry::agent
