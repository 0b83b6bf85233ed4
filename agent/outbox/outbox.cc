#include "agent/outbox/outbox.h"

namespace ferry::agent {

void Outbox::Accept(std::vector<IncomingEvent> events, std::function<void(AcceptResult)> done) {
  std::vector<store::AppendItem> items;
  items.reserve(events.size());
  for (const auto& in : events) items.push_back({in.event.SerializeAsString(), IdempotencyKey(in.event)});
  queue_.Append(std::move(items), [done = std::move(done)](store::AppendOutcome out) {
    AcceptResult result;
    result.status = out.status;
    for (bool dup : out.duplicate) (dup ? result.duplicates : result.stored)++;
    done(result);
  });
}

}  // namespace ferry::agent
