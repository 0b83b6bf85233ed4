#pragma once
// The IDoc file port: takes the files SAP's file port (WE21 "File") writes
// into a folder, IDoc-XML or flat (EDI_DC40/EDI_DD40), once they are
// complete, and hands their IDocs to the sink.
//
// The contract, the same as the HTTP source's: nothing is moved or deleted
// before every IDoc of the file is durable in the outbox. A file is then
// moved to the archive folder (or deleted). A crash between the commit and
// the move leaves the file in place; it is read again on start, and its
// IDocs are recognised as already received (MANDT/SNDPRN/DOCNUM), so
// nothing is stored or delivered twice.
//
// When a file is complete: `ready: settled` (default) takes a file once its
// size and modification time have not changed for `settle`: SAP writes a
// file in one go, and a writer that pauses longer must use a marker.
// `ready: marker` takes NAME only once NAME<marker_suffix> exists (the
// port's outbound trigger, or a script SAP runs, writes it after the file).
// Either way names starting with "." and ending in .tmp are never taken, so
// a writer that writes under such a name and renames is safe too.
//
// A file that cannot be read as IDocs (bad XML, wrong record length, a type
// the segment catalogue lacks, too large) goes to the error folder with
// NAME.error beside it, saying why; nothing of it is committed. When the
// outbox is full or the disk fails, the file stays and is tried again;
// files are taken in order of modification time, and a file that must wait
// holds up the ones after it.
//
// The folder is scanned by a thread of its own (file reads block); the sink
// is called on the agent's executor.

#include <sys/stat.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "agent/sources/idoc_file/idoc_file_config.h"
#include "agent/sources/source.h"

namespace ferry::agent {

class IdocFileSource : public Source {
 public:
  IdocFileSource(const SourceContext& context, IdocFileConfig config);
  ~IdocFileSource() override;
  std::string_view name() const override { return "idoc_file"; }
  Status Start() override;
  void Stop() override;
  size_t InFlight() const override { return in_flight_.load(); }
  void WriteMetrics(metrics::MetricsText& out) const override;

 private:
  struct Seen {
    off_t size = 0;
    timespec mtime{};
    std::chrono::steady_clock::time_point since;  // unchanged since
  };
  enum class Outcome { kDone, kRetryLater };

  void Run();
  // The files ready now, oldest first.
  std::vector<std::string> ReadyFiles();
  Outcome Take(const std::string& name);
  // The sink's answer; nullopt when the source is destroyed before it.
  std::optional<AcceptResult> Commit(std::vector<IncomingEvent> events);
  void Refuse(const std::string& name, const std::string& reason);
  // Archives or deletes a committed file, unless it changed from the
  // version `read`: then it stays to be read again (FailedPrecondition).
  Status Finish(const std::string& name, const struct stat& read);
  bool Wanted(const std::string& name) const;
  bool StillChanging(const std::string& name, const struct stat& read) const;

  SourceContext context_;
  IdocFileConfig config_;
  std::thread worker_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool abandoned_ = false;            // being destroyed: stop waiting for a commit
  std::map<std::string, Seen> seen_;  // worker thread only
  std::atomic<size_t> in_flight_{0};
  // For /metrics.
  std::atomic<uint64_t> files_accepted_{0}, files_refused_{0}, idocs_accepted_{0}, idocs_duplicate_{0}, retries_{0};
  std::atomic<size_t> waiting_{0};
};

}  // namespace ferry::agent
