#include "agent/down/down_inbox.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "common/transport/topics.h"
#include "common/util/ids.h"
#include "ferry/v1/event.pb.h"

namespace ferry::agent {

void DownInbox::OnBatch(const std::string& payload) {
  ferry::v1::DownCommandBatch batch;
  if (payload.size() > kMaxBatchBytes || !batch.ParseFromString(payload)) {
    spdlog::warn("event=down_batch_malformed bytes={}", payload.size());
    return;
  }
  std::vector<store::AppendItem> items;
  ferry::v1::DownCommandAck ack;
  for (ferry::v1::DownCommand& command : *batch.mutable_commands()) {
    // Without a proper id a command can be neither kept once nor
    // acknowledged; the executor checks everything else.
    if (!IsUuidText(command.command_id())) {
      spdlog::warn("event=down_command_without_id");
      continue;
    }
    ack.add_command_ids(command.command_id());
    store::AppendItem item;
    item.idempotency_key = "cmd:" + command.command_id();
    item.data = command.SerializeAsString();
    items.push_back(std::move(item));
  }
  if (items.empty()) return;
  auto self = shared_from_this();
  queue_.Append(std::move(items), [self, ack = std::move(ack)](store::AppendOutcome out) mutable {
    boost::asio::post(self->executor_, [self, ack = std::move(ack), out = std::move(out)]() mutable {
      size_t fresh = 0;
      for (bool duplicate : out.duplicate) fresh += duplicate ? 0 : 1;
      ack.set_accepted(out.status.ok());
      if (!out.status.ok()) {
        ack.set_reason(std::string(out.status.message()).substr(0, 300));
        spdlog::warn("event=down_commands_not_committed commands={} reason=\"{}\"", ack.command_ids_size(),
                     out.status.message());
      } else {
        self->committed_ += fresh;
        spdlog::info("event=down_commands_committed commands={} new={}", ack.command_ids_size(), fresh);
      }
      self->tunnel_.Publish(transport::topics::UpRequests(self->agent_id_), ack.SerializeAsString(), nullptr);
    });
  });
}

}  // namespace ferry::agent
