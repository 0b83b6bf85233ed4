#pragma once
// ChangePoller: runs the modified_since_poll channels (their settings and
// docs: modified_since_poll_channel.h). For each channel, every `interval`
// and for each object, it asks the channel's connector for the records
// changed since the newest change it has seen (minus `lookback`), oldest
// first, a page at a time, and commits each page's records as down
// commands, marked to be read whole first, together with the newest change
// time, in one transaction: a crash between two pages asks again from the
// last page committed, and what is asked again is not committed twice
// (each change's delivery id is its record's id and change time).
//
// Paging goes by time, not by position: the next page starts at the last
// page's newest change time, skipping the records of that very time
// already seen. A record changed while the pass runs moves behind the
// others instead of shifting one of them past a page boundary unseen. A
// pass ends at an empty page (a CRM may answer fewer than asked for and
// still have more), when a page does not move it on (a CRM that ignores
// $skip), or after kMaxPagesPerPass pages (the next pass goes on).
//
// A listing is taken only whole and sane: more records than asked for
// fails it. A change stamped ahead of the control plane's clock moves the
// watermark only to the clock, so one record dated in 9999 cannot hide
// every later change.
//
// A failed listing (no answer, 5xx, 429) ends the object's pass; the next
// pass asks again from the same point, after a Retry-After when the CRM
// gave one. A listing the CRM refuses for good (a filter it does not take)
// is logged at each pass, and counted, until the configuration is mended.
// The watermarks are a typed store of their own (poll_watermarks.h).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/app/pause.h"
#include "common/store/store.h"
#include "controlplane/delivery/connector.h"
#include "controlplane/down/down_commands.h"
#include "controlplane/down/inbound_config.h"
#include "controlplane/down/poll_watermarks.h"

namespace ferry::controlplane {

struct PollStats {
  uint64_t passes_total = 0;
  uint64_t listed_total = 0;         // records listed, asked again included
  uint64_t committed_total = 0;      // of those, new changes committed as commands
  uint64_t failures_total = 0;       // passes that failed: a listing, or the store (retried at the next pass)
  int64_t last_success_unix_ms = 0;  // the last pass that listed every change (to an empty page)
};

class ChangePoller : public std::enable_shared_from_this<ChangePoller> {
 public:
  static constexpr size_t kMaxPagesPerPass = 1000;

  using ConnectorFor = std::function<Connector*(const std::string& crm)>;

  ChangePoller(boost::asio::any_io_executor executor, store::Store& store, const InboundOptions& inbound,
               ConnectorFor connectors, std::shared_ptr<DownCommands> commands);

  // Starts one loop per polled channel; none when there is none.
  void Start();
  // On the executor's thread, or after it stopped running.
  void Stop();
  // Per channel, "<channel>/<object>".
  std::map<std::string, PollStats> Stats() const { return stats_; }
  // The newest change time committed for a channel's object, if any.
  std::optional<int64_t> Watermark(const std::string& channel, const std::string& object) const {
    Result<std::optional<int64_t>> stored = watermarks_.Get(channel, object);
    return stored.ok() ? *stored : std::nullopt;
  }

 private:
  struct Channel {
    const ConfiguredChannel* configured;
    std::unique_ptr<app::Pause> pause;
  };
  boost::asio::awaitable<void> Run(Channel& channel);
  // One pass over one object; the pause the CRM asked for, if any.
  boost::asio::awaitable<std::optional<std::chrono::milliseconds>> Pass(const ConfiguredChannel& channel,
                                                                        const PollObject& object,
                                                                        const app::Pause& stopping);
  // Commits a page's records and the watermark `newest` in one transaction.
  boost::asio::awaitable<Result<size_t>> Commit(const ConfiguredChannel& channel, const PollObject& object,
                                                const std::vector<ChangedRecord>& records, int64_t newest);

  boost::asio::any_io_executor executor_;
  store::Store& store_;
  const InboundOptions& inbound_;
  ConnectorFor connectors_;
  std::shared_ptr<DownCommands> commands_;
  PollWatermarks watermarks_;
  std::vector<Channel> channels_;
  std::map<std::string, PollStats> stats_;
};

}  // namespace ferry::controlplane
