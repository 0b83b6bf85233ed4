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
// a field the org does not have) makes a dead letter with the CRM's
// message, in the same transaction as the removal; replayed, it is read
// again. Anything else (no answer, 5xx, 429, the daily API limit) is tried
// again after the CRM's Retry-After or a growing pause, and keeps the
// commands behind it waiting: they go to the same CRM.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/app/pause.h"
#include "common/store/durable_queue.h"
#include "common/store/store.h"
#include "controlplane/delivery/connector.h"
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

  DownRecordReads(boost::asio::any_io_executor executor, store::DurableQueue& down, store::DurableQueue& dead_letters,
                  const InboundOptions& inbound, ConnectorFor connectors, OnDeadLetter on_dead_letter);

  void Start();
  void Stop();
  // A command was committed: any thread.
  void Poke();
  RecordReadStats Stats() const { return stats_; }

 private:
  struct Waiting {
    uint64_t seq = 0;
    ferry::v1::DownCommand command;
  };
  boost::asio::awaitable<void> Run();
  // The oldest command that waits for its read.
  std::optional<Waiting> Next() const;
  // Replaces the partial command by the whole one.
  boost::asio::awaitable<Status> Complete(const Waiting& waiting, std::string record_json);
  boost::asio::awaitable<Status> DeadLetter(const Waiting& waiting, const std::string& reason, uint32_t attempts);

  boost::asio::any_io_executor executor_;
  store::DurableQueue& down_;
  store::DurableQueue& dead_letters_;
  const InboundOptions& inbound_;
  ConnectorFor connectors_;
  OnDeadLetter on_dead_letter_;
  app::Pause pause_;
  RecordReadStats stats_;
};

}  // namespace ferry::controlplane
