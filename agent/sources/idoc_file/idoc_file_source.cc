#include "agent/sources/idoc_file/idoc_file_source.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/post.hpp>

#include <algorithm>
#include <cstring>

#include "agent/sources/idoc_events.h"
#include "common/idoc/idoc_flat.h"
#include "common/log/log.h"
#include "common/util/utf8.h"

namespace ferry::agent {
namespace {

bool SameVersion(const struct stat& a, off_t size, const timespec& mtime) {
  return a.st_size == size && a.st_mtim.tv_sec == mtime.tv_sec && a.st_mtim.tv_nsec == mtime.tv_nsec;
}

// The whole file behind `fd`, or an error; at most `limit` bytes.
Result<std::string> ReadAll(int fd, uint64_t limit) {
  std::string data;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Unavailable(std::string("read failed: ") + std::strerror(errno));
    if (n == 0) return data;
    if (data.size() + static_cast<size_t>(n) > limit) return Status::ResourceExhausted("grew past max_file_size");
    data.append(buffer, static_cast<size_t>(n));
  }
}

// A name in `folder` for `name` that no file has yet: NAME, else NAME.1, ...
// With `companion`, NAME + companion (the reason file) must be free too.
std::filesystem::path FreeName(const std::filesystem::path& folder, const std::string& name,
                               const std::string& companion = "") {
  // symlink_status: a link planted under the name counts as taken too.
  auto taken = [&](const std::filesystem::path& p) {
    std::error_code ec;
    return std::filesystem::exists(std::filesystem::symlink_status(p, ec)) ||
           (!companion.empty() && std::filesystem::exists(std::filesystem::symlink_status(p.string() + companion, ec)));
  };
  std::filesystem::path target = folder / name;
  for (int n = 1; taken(target) && n < 1000; ++n) target = folder / (name + "." + std::to_string(n));
  return target;
}

// Makes the rename durable: without it a crash can bring the file back into
// the port folder, which is harmless (its IDocs are known) but noisy.
void SyncFolder(const std::filesystem::path& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// Writes `text` to a file that must not exist yet: O_EXCL refuses a file or
// a link already there, so a link planted in the error folder cannot make
// the agent write elsewhere.
Status WriteNewFile(const std::filesystem::path& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
  if (fd < 0) return Status::Unavailable(std::strerror(errno));
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = errno;
      ::close(fd);
      return Status::Unavailable(std::strerror(error));
    }
    written += static_cast<size_t>(n);
  }
  ::close(fd);
  return Status::Ok();
}

}  // namespace

IdocFileSource::IdocFileSource(const SourceContext& context, IdocFileConfig config)
    : context_(context), config_(std::move(config)) {}

IdocFileSource::~IdocFileSource() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    abandoned_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

Status IdocFileSource::Start() {
  std::error_code ec;
  if (!std::filesystem::is_directory(config_.directory, ec)) {
    return Status::Unavailable("idoc_file: " + config_.directory.string() + " is not a directory");
  }
  std::vector<std::filesystem::path> folders{config_.error_directory};
  if (config_.after == IdocFileConfig::After::kArchive) folders.push_back(config_.archive_directory);
  for (const auto& folder : folders) {
    std::filesystem::create_directories(folder, ec);
    if (ec) return Status::Unavailable("idoc_file: cannot create " + folder.string() + ": " + ec.message());
  }
  worker_ = std::thread([this] { Run(); });
  spdlog::info("event=source_watching source=idoc_file directory=\"{}\" ready={} after={} catalogue=\"{}\"",
               EscapeForLog(config_.directory.string()),
               config_.ready == IdocFileConfig::Ready::kSettled ? "settled" : "marker",
               config_.after == IdocFileConfig::After::kArchive ? "archive" : "delete",
               EscapeForLog(config_.catalog_path.string()));
  return Status::Ok();
}

void IdocFileSource::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
}

bool IdocFileSource::Wanted(const std::string& name) const {
  if (name.empty() || name.front() == '.' || name.ends_with(".tmp")) return false;
  if (config_.ready == IdocFileConfig::Ready::kMarker && name.ends_with(config_.marker_suffix)) return false;
  return std::any_of(config_.include.begin(), config_.include.end(),
                     [&](const std::string& pattern) { return ::fnmatch(pattern.c_str(), name.c_str(), 0) == 0; });
}

void IdocFileSource::Run() {
  int waits = 0;  // consecutive scans that had to leave a file for later
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    bool retry = false;
    for (const std::string& name : ReadyFiles()) {
      {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
      }
      if (Take(name) == Outcome::kRetryLater) {
        retry = true;
        ++retries_;
        break;  // later files wait too: SAP's order is kept
      }
    }
    waits = retry ? std::min(waits + 1, 5) : 0;
    // Back off while the outbox is full or the disk fails: 1, 2, 4 ... 32
    // poll intervals, at most 30 s.
    const auto pause =
        std::min<std::chrono::milliseconds>(config_.poll_interval * (1 << waits), std::chrono::milliseconds(30000));
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, std::max(pause, config_.poll_interval), [this] { return stopping_; });
  }
}

std::vector<std::string> IdocFileSource::ReadyFiles() {
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::pair<timespec, std::string>> ready;
  std::map<std::string, Seen> still_there;
  size_t waiting = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(config_.directory, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!Wanted(name)) continue;
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    bool is_ready = false;
    if (config_.ready == IdocFileConfig::Ready::kMarker) {
      struct stat marker {};
      const std::string marker_path = it->path().string() + config_.marker_suffix;
      is_ready = ::lstat(marker_path.c_str(), &marker) == 0 && S_ISREG(marker.st_mode);
    } else {
      Seen seen;
      auto known = seen_.find(name);
      if (known != seen_.end() && SameVersion(st, known->second.size, known->second.mtime)) {
        seen = known->second;
      } else {
        if (known == seen_.end()) {
          spdlog::debug("event=idoc_file_settling source=idoc_file file=\"{}\" size={}", EscapeForLog(name),
                        st.st_size);
        }
        seen = Seen{st.st_size, st.st_mtim, now};
      }
      still_there[name] = seen;
      is_ready = now - seen.since >= config_.settle;
    }
    if (is_ready) {
      ready.emplace_back(st.st_mtim, name);
    } else {
      ++waiting;
    }
  }
  if (ec) {
    spdlog::warn("event=idoc_file_scan_failed source=idoc_file directory=\"{}\" reason=\"{}\"",
                 EscapeForLog(config_.directory.string()), ec.message());
  }
  seen_ = std::move(still_there);
  waiting_ = waiting;
  std::sort(ready.begin(), ready.end(), [](const auto& a, const auto& b) {
    if (a.first.tv_sec != b.first.tv_sec) return a.first.tv_sec < b.first.tv_sec;
    if (a.first.tv_nsec != b.first.tv_nsec) return a.first.tv_nsec < b.first.tv_nsec;
    return a.second < b.second;
  });
  std::vector<std::string> names;
  names.reserve(ready.size());
  for (auto& [mtime, name] : ready) names.push_back(std::move(name));
  return names;
}

bool IdocFileSource::StillChanging(const std::string& name, const struct stat& read) const {
  struct stat now {};
  if (::lstat((config_.directory / name).c_str(), &now) != 0) return true;  // gone or renamed: not ours to judge
  return !SameVersion(now, read.st_size, read.st_mtim);
}

IdocFileSource::Outcome IdocFileSource::Take(const std::string& name) {
  const std::filesystem::path path = config_.directory / name;
  const std::string logged = EscapeForLog(name);
  // O_NOFOLLOW: a link planted in the folder does not make the agent read
  // (and send up, or quote in an error) a file it was not given.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return Outcome::kDone;
    spdlog::error("event=idoc_file_unreadable source=idoc_file file=\"{}\" reason=\"{}\"", logged,
                  std::strerror(errno));
    return Outcome::kRetryLater;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Outcome::kDone;
  }
  if (static_cast<uint64_t>(st.st_size) > config_.max_file_bytes) {
    ::close(fd);
    Refuse(name, "the file is " + std::to_string(st.st_size) + " bytes, more than max_file_size (" +
                     std::to_string(config_.max_file_bytes) + ")");
    return Outcome::kDone;
  }
  Result<std::string> data = ReadAll(fd, config_.max_file_bytes);
  ::close(fd);
  if (!data.ok() || StillChanging(name, st)) {
    // Written to since it looked complete: the next scans wait for it again.
    if (data.ok() || data.status().code() == StatusCode::kResourceExhausted) return Outcome::kDone;
    spdlog::error("event=idoc_file_unreadable source=idoc_file file=\"{}\" reason=\"{}\"", logged,
                  data.status().message());
    return Outcome::kRetryLater;
  }

  Result<idoc::ParsedPacket> packet = Status::Internal("not parsed");
  if (idoc::LooksLikeFlatIdoc(*data)) {
    if (!config_.catalog) {
      Refuse(name, "a flat IDoc file, but no segment_catalog is configured to read its segments");
      return Outcome::kDone;
    }
    packet = idoc::ParseIdocFlat(*data, *config_.catalog, idoc::FlatOptions{config_.latin1, config_.max_depth});
  } else {
    packet = idoc::ParseIdocXml(*data, idoc::ParseLimits{config_.max_depth});
  }
  if (!packet.ok()) {
    Refuse(name, packet.status().message());
    return Outcome::kDone;
  }

  IdocBatch batch = IdocEvents(packet->idocs, "idoc_file", context_.agent_id);
  const size_t count = batch.events.size();
  ++in_flight_;
  const std::optional<AcceptResult> answer = Commit(std::move(batch.events));
  --in_flight_;
  if (!answer) return Outcome::kDone;  // the agent is going away: the file is read again on start
  const AcceptResult& result = *answer;
  if (!result.status.ok()) {
    spdlog::warn("event=idoc_file_not_committed source=idoc_file file=\"{}\" docnum={} reason=\"{}\"", logged,
                 batch.docnums, result.status.message());
    return Outcome::kRetryLater;
  }
  idocs_accepted_ += count;
  idocs_duplicate_ += result.duplicates;
  spdlog::info("event=idoc_accepted source=idoc_file file=\"{}\" docnum={} stored={} duplicates={}", logged,
               batch.docnums, result.stored, result.duplicates);
  if (Status finished = Finish(name, st); !finished.ok()) {
    if (finished.code() == StatusCode::kFailedPrecondition) {
      spdlog::warn("event=idoc_file_changed source=idoc_file file=\"{}\" reason=\"{}\"", logged, finished.message());
      return Outcome::kDone;
    }
    // Committed but still in the folder: the next scan finds its IDocs known.
    spdlog::error("event=idoc_file_not_moved source=idoc_file file=\"{}\" reason=\"{}\"", logged, finished.message());
    return Outcome::kRetryLater;
  }
  ++files_accepted_;
  return Outcome::kDone;
}

std::optional<AcceptResult> IdocFileSource::Commit(std::vector<IncomingEvent> events) {
  // The sink runs on the agent's executor; its answer comes back here. The
  // state is shared: if the agent is torn down first, the late answer has
  // somewhere to go.
  struct Pending {
    std::mutex mutex;
    std::condition_variable done;
    std::optional<AcceptResult> result;
  };
  auto pending = std::make_shared<Pending>();
  auto shared_events = std::make_shared<std::vector<IncomingEvent>>(std::move(events));
  boost::asio::post(context_.executor, [sink = context_.sink, shared_events, pending] {
    sink->Accept(std::move(*shared_events), [pending](AcceptResult r) {
      std::lock_guard lock(pending->mutex);
      pending->result = std::move(r);
      pending->done.notify_all();
    });
  });
  std::unique_lock lock(pending->mutex);
  while (!pending->result) {
    pending->done.wait_for(lock, std::chrono::milliseconds(100));
    std::lock_guard own(mutex_);
    if (abandoned_ && !pending->result) return std::nullopt;
  }
  return *pending->result;
}

Status IdocFileSource::Finish(const std::string& name, const struct stat& read) {
  const std::filesystem::path path = config_.directory / name;
  std::error_code ec;
  // The file is moved first (a writer holding it open writes on into the
  // moved file), then compared with the version read: what was added in
  // between goes back to be read, instead of being archived or deleted
  // unread.
  const std::filesystem::path moved =
      config_.after == IdocFileConfig::After::kArchive
          ? FreeName(config_.archive_directory, name)
          : FreeName(config_.directory, "." + name + ".done");  // dot-files are never taken
  std::filesystem::rename(path, moved, ec);
  if (ec) return Status::Unavailable("cannot move it to " + moved.string() + ": " + ec.message());
  struct stat now {};
  if (::lstat(moved.c_str(), &now) != 0 || !SameVersion(now, read.st_size, read.st_mtim)) {
    std::filesystem::rename(moved, FreeName(config_.directory, name), ec);
    return Status::FailedPrecondition("written to as it was moved: left to be read again");
  }
  if (config_.after == IdocFileConfig::After::kArchive) {
    SyncFolder(config_.archive_directory);
  } else {
    std::filesystem::remove(moved, ec);
    if (ec) return Status::Unavailable("cannot delete it: " + ec.message());
  }
  SyncFolder(config_.directory);
  if (config_.ready == IdocFileConfig::Ready::kMarker) {
    std::filesystem::remove(path.string() + config_.marker_suffix, ec);
  }
  return Status::Ok();
}

void IdocFileSource::Refuse(const std::string& name, const std::string& reason) {
  ++files_refused_;
  spdlog::warn("event=idoc_file_refused source=idoc_file file=\"{}\" reason=\"{}\"", EscapeForLog(name),
               EscapeForLog(reason));
  const std::filesystem::path target = FreeName(config_.error_directory, name, ".error");
  std::error_code ec;
  std::filesystem::rename(config_.directory / name, target, ec);
  if (ec) {
    spdlog::error("event=idoc_file_not_moved source=idoc_file file=\"{}\" reason=\"cannot move it to {}: {}\"",
                  EscapeForLog(name), EscapeForLog(target.string()), ec.message());
    return;
  }
  if (Status s = WriteNewFile(target.string() + ".error", reason + "\n"); !s.ok()) {
    spdlog::error("event=idoc_file_reason_not_written source=idoc_file file=\"{}\" reason=\"{}.error: {}\"",
                  EscapeForLog(name), EscapeForLog(target.filename().string()), s.message());
  }
  if (config_.ready == IdocFileConfig::Ready::kMarker) {
    std::filesystem::remove(config_.directory / (name + config_.marker_suffix), ec);
  }
  SyncFolder(config_.error_directory);
}

void IdocFileSource::WriteMetrics(metrics::MetricsText& out) const {
  const metrics::Labels source{{"source", "idoc_file"}};
  // Names of their own: a Prometheus family's samples must stand together,
  // and the HTTP source writes its IDoc counters before this source runs.
  for (const auto& [outcome, count] :
       {std::pair{"committed", idocs_accepted_.load()}, std::pair{"duplicate", idocs_duplicate_.load()}}) {
    metrics::Labels labels = source;
    labels.emplace_back("outcome", outcome);
    out.Counter("ferry_agent_file_idocs_total",
                "IDocs read from port files: committed (duplicates included), and those received before.",
                static_cast<double>(count), labels);
  }
  for (const auto& [outcome, count] :
       {std::pair{"accepted", files_accepted_.load()}, std::pair{"refused", files_refused_.load()}}) {
    metrics::Labels labels = source;
    labels.emplace_back("outcome", outcome);
    out.Counter("ferry_agent_files_total",
                "Files taken from the IDoc file port: accepted, or moved to the error folder.",
                static_cast<double>(count), labels);
  }
  out.Counter("ferry_agent_file_retries_total", "Times a file had to wait: outbox full, disk or folder errors.",
              static_cast<double>(retries_.load()), source);
  out.Gauge("ferry_agent_files_waiting", "Files in the port folder not yet complete (settling or without marker).",
            static_cast<double>(waiting_.load()), source);
}

}  // namespace ferry::agent
