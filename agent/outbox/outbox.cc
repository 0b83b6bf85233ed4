#include "agent/outbox/outbox.h"

namespace ferry::agent {

void Outbox::Accept(std::vector<IncomingEvent> events, Checkpoint checkpoint, std::function<void(AcceptResult)> done) {
  std::vector<store::AppendItem> items;
  items.reserve(events.size());
  for (const auto& in : events) items.push_back({in.event.SerializeAsString(), IdempotencyKey(in.event)});
  store::WriteFn also;
  if (!checkpoint.name.empty()) {
    also = [this, checkpoint = std::move(checkpoint)](store::WriteTxn& txn) {
      return checkpoints_.PutInTxn(txn, checkpoint.name, checkpoint.value);
    };
  }
  queue_.Append(
      std::move(items),
      [done = std::move(done)](store::AppendOutcome out) {
        AcceptResult result;
        result.status = out.status;
        for (bool dup : out.duplicate) (dup ? result.duplicates : result.stored)++;
        done(result);
      },
      std::move(also));
}

}  // namespace ferry::agent
