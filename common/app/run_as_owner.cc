#include "common/app/run_as_owner.h"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ferry::app {

Status BecomeOwnerOf(const std::filesystem::path& folder) {
  struct stat st {};
  if (::geteuid() != 0 || ::stat(folder.c_str(), &st) != 0 || st.st_uid == 0) return Status::Ok();
  if (::setgroups(0, nullptr) != 0 || ::setgid(st.st_gid) != 0 || ::setuid(st.st_uid) != 0) {
    return Status::Unavailable("cannot switch to the owner of " + folder.string() + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace ferry::app
