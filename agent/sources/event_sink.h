#pragma once
// EventSink: where a source hands the events it accepted. Implemented by the
// flow stage (which maps documents and writes the outbox) and by the outbox.
// `done` runs once the events are durable (or refused), on the store's
// writer thread: post back to your own executor.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/doc/document.h"
#include "common/status.h"
#include "ferry/v1/event.pb.h"

namespace ferry::agent {

struct AcceptResult {
  // OK: every event is durable (stored now, or stored before: duplicates).
  // ResourceExhausted: the buffer is full, nothing stored; tell the sender
  // to retry. Unavailable: the disk failed, nothing stored.
  Status status;
  size_t stored = 0;
  size_t duplicates = 0;
};

// One accepted document: the event as received, and its tree for flows
// (null when the source has none; such events pass through unmapped).
struct IncomingEvent {
  ferry::v1::Event event;
  std::shared_ptr<const doc::Document> document;
};

// A source's progress to commit in the same transaction as its events
// (common/store/checkpoints.h): an OData poller's watermark.
struct Checkpoint {
  std::string name;  // empty: none
  std::string value;
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void Accept(std::vector<IncomingEvent> events, Checkpoint checkpoint,
                      std::function<void(AcceptResult)> done) = 0;
  void Accept(std::vector<IncomingEvent> events, std::function<void(AcceptResult)> done) {
    Accept(std::move(events), Checkpoint{}, std::move(done));
  }
};

}  // namespace ferry::agent
