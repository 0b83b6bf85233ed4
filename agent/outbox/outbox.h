#pragma once
// The agent's outbox: every accepted event, durable in LMDB until the control
// plane acknowledges it. Implements EventSink for the sources; the uplink
// reads from it in order and deletes what was acknowledged.
//
// Idempotency: an event's dedup_key (MANDT/SNDPRN/DOCNUM for IDocs, the
// entity and its change time for S/4 entities) is
// remembered in the same transaction as the event, so a resend of an IDoc
// already accepted, even long delivered, is answered OK and not stored again.

#include <memory>

#include "agent/sources/event_sink.h"
#include "common/crypto/ed25519.h"
#include "common/store/checkpoints.h"
#include "common/store/durable_queue.h"

namespace ferry::agent {

class Outbox : public EventSink {
 public:
  static constexpr const char* kQueueName = "outbox";
  Outbox(store::DurableQueue& queue, const store::Checkpoints& checkpoints)
      : queue_(queue), checkpoints_(checkpoints) {}

  using EventSink::Accept;
  void Accept(std::vector<IncomingEvent> events, Checkpoint checkpoint,
              std::function<void(AcceptResult)> done) override;
  // The idempotency key an event is stored under.
  static std::string IdempotencyKey(const ferry::v1::Event& e) {
    if (e.dedup_key().empty()) return "";
    std::string key = (e.has_s4() ? "s4:" : "idoc:") + e.dedup_key();
    // LMDB keys end at 511 bytes; an IDoc's key is far shorter, an S/4
    // entity's or a CloudEvent's (source and id from outside) may not be.
    if (key.size() > 400) key = (e.has_s4() ? "s4:sha256:" : "idoc:sha256:") + crypto::Sha256Hex(key);
    return key;
  }
  store::DurableQueue& queue() { return queue_; }

 private:
  store::DurableQueue& queue_;
  const store::Checkpoints& checkpoints_;
};

}  // namespace ferry::agent
