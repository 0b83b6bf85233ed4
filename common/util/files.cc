#include "common/util/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>

namespace ferry {
namespace {

Status ErrnoStatus(const std::string& what, const std::filesystem::path& path, int err) {
  std::string message = what + " " + path.string() + ": " + std::strerror(err);
  if (err == ENOSPC || err == EDQUOT) return Status::Unavailable(message);
  return Status::FailedPrecondition(message);
}

}  // namespace

Status WriteFileAtomically(const std::filesystem::path& path, std::string_view data, mode_t mode) {
  std::random_device rd;
  const std::filesystem::path temp = path.string() + ".tmp-" + std::to_string(rd());
  // O_EXCL: a file (or symlink) planted under the temporary name is refused.
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return ErrnoStatus("cannot create", temp, errno);
  Status status;
  if (fchmod(fd, mode) != 0) status = ErrnoStatus("cannot set the mode of", temp, errno);
  for (size_t done = 0; status.ok() && done < data.size();) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status = ErrnoStatus("cannot write", temp, errno);
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (status.ok() && fsync(fd) != 0) status = ErrnoStatus("cannot flush", temp, errno);
  if (::close(fd) != 0 && status.ok()) status = ErrnoStatus("cannot close", temp, errno);
  if (status.ok() && std::rename(temp.c_str(), path.c_str()) != 0) status = ErrnoStatus("cannot replace", path, errno);
  if (!status.ok()) {
    ::unlink(temp.c_str());
    return status;
  }
  // The rename itself survives a power cut once the folder is flushed.
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

Result<std::string> ReadSmallFile(const std::filesystem::path& path, size_t max_bytes) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec == std::errc::no_such_file_or_directory) return Status::NotFound(path.string() + " does not exist");
  if (ec) return Status::FailedPrecondition("cannot read " + path.string() + ": " + ec.message());
  if (size > max_bytes) {
    return Status::FailedPrecondition(path.string() + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  std::ifstream in(path, std::ios::binary);
  std::string data(static_cast<size_t>(size), '\0');
  if (!in || !in.read(data.data(), static_cast<std::streamsize>(data.size()))) {
    return Status::FailedPrecondition("cannot read " + path.string());
  }
  return data;
}

}  // namespace ferry
