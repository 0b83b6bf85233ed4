#include "agent/buffer/audit_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "common/app/control_socket.h"
#include "common/util/clock.h"

namespace ferry::agent {
namespace {

std::string IsoTime(int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

}  // namespace

Status AppendAudit(const std::filesystem::path& file, const AuditEntry& entry) {
  const int64_t now = NowUnixMs();
  boost::json::object line{{"unix_ms", now},
                           {"time", IsoTime(now)},
                           {"uid", entry.uid},
                           {"user", app::UserName(entry.uid)},
                           {"command", entry.command},
                           {"reason", entry.reason},
                           {"changed", boost::json::value_from(entry.outcome.changed)},
                           {"refused", boost::json::value_from(entry.outcome.refused)},
                           {"new_ids", boost::json::value_from(entry.outcome.new_ids)},
                           {"via", entry.via}};
  const std::string text = boost::json::serialize(line) + "\n";
  const int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
  if (fd < 0) return Status::Unavailable("audit log " + file.string() + ": " + std::strerror(errno));
  const ssize_t written = ::write(fd, text.data(), text.size());
  const int write_errno = errno;
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (written != static_cast<ssize_t>(text.size())) {
    return Status::Unavailable("audit log " + file.string() + ": " + std::strerror(write_errno));
  }
  if (!synced) return Status::Unavailable("audit log " + file.string() + ": fsync failed");
  return Status::Ok();
}

}  // namespace ferry::agent
