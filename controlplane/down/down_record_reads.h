#pragma once
// DownRecordReads: completes the down commands whose notification carried
// only some of the record's fields (read_first: a Salesforce Outbound
// Message). Oldest first, one at a time, it reads each record whole
// through the connector of its channel's CRM, with the channel's query for
// the object, and then, in one transaction, queues the completed command
// (same id, read_first cleared) and removes the partial one; only then
// does DownCommands send it down. Until then the command holds back its
// record's later commands, so order per record stays.
//
// A read the CRM refuses for good (the record was deleted, the query names
// a field the org does not have, a subquery has more rows than one answer
// holds), or a record over 8 MiB, makes a dead letter with the reason, in
// the same transaction as the removal; replayed, it is read again.
// Anything else (no answer, 5xx, the daily API limit) is tried again after
// a pause growing from 1 s to 1 minute for that record, while the other
// records are read; its record's later commands wait. A Retry-After (429)
// pauses every read. A read that has failed for 24 hours is dead-lettered.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/app/pause.h"
#include "common/store/durable_queue.h"
#include "common/store/store.h"
#include "controlplane/delivery/connector.h"
#include "controlplane/delivery/event_trace.h"
#include "controlplane/down/inbound_config.h"
#include "ferry/v1/event.pb.h"

namespace ferry::controlplane {

struct RecordReadStats {
  uint64_t read_total = 0;
  uint64_t retries_total = 0;
  uint64_t dead_lettered_total = 0;
};

class DownRecordReads : public std::enable_shared_from_this<DownRecordReads> {
 public:
  // The connector named `crm` under `connectors:`, or null.
  using ConnectorFor = std::function<Connector*(const std::string& crm)>;
  using OnDeadLetter = std::function<void(int64_t unix_ms)>;

  DownRecordReads(boost::asio::any_io_executor executor, store::Store& store, store::DurableQueue& down,
                  store::DurableQueue& dead_letters, const InboundOptions& inbound, ConnectorFor connectors,
                  OnDeadLetter on_dead_letter);

  void Start();
  // On the executor's thread, or after it stopped running.
  void Stop();
  // A command was committed: any thread.
  void Poke();
  RecordReadStats Stats() const { return stats_; }
  // Reads, failed attempts and dead letters are steps of the command's
  // trace (its dead letter keeps the command's id): set before Start.
  void SetTrace(EventTraceLog* trace) { trace_ = trace; }

 private:
  // Notes a step of a command's way for the next trace flush.
  void Trace(const std::string& command_id, const char* step, const std::string& detail);
  struct Waiting {
    uint64_t seq = 0;
    ferry::v1::DownCommand command;
  };
  // The failed reads of one command, while it waits to be read again.
  struct Attempts {
    uint32_t count = 0;
    int64_t first_unix_ms = 0;
    std::chrono::steady_clock::time_point next_try{};
    app::Backoff backoff;
  };
  boost::asio::awaitable<void> Run();
  // The oldest command whose read is due, skipping the records whose
  // earliest command must wait; `earliest` learns when the next one is.
  std::optional<Waiting> Next(std::chrono::steady_clock::time_point now,
                              std::optional<std::chrono::steady_clock::time_point>& earliest) const;
  // Replaces the partial command by the whole one, in one transaction
  // (the removal first: a full queue still takes the replacement).
  boost::asio::awaitable<Status> Complete(const Waiting& waiting, std::string record_json);
  boost::asio::awaitable<Status> DeadLetter(const Waiting& waiting, const std::string& reason, uint32_t attempts);
  // In one transaction: removes command `seq` from the down queue and
  // appends `data` to `into` (the down queue itself, or the dead letters).
  boost::asio::awaitable<Status> MoveTo(uint64_t seq, store::DurableQueue& into, std::string data);

  boost::asio::any_io_executor executor_;
  store::Store& store_;
  store::DurableQueue& down_;
  store::DurableQueue& dead_letters_;
  const InboundOptions& inbound_;
  ConnectorFor connectors_;
  OnDeadLetter on_dead_letter_;
  app::Pause pause_;
  std::map<uint64_t, Attempts> attempts_;  // queue sequence -> its failed reads
  RecordReadStats stats_;
  EventTraceLog* trace_ = nullptr;
};

}  // namespace ferry::controlplane
