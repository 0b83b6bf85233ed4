#pragma once
// EventSink: where a source hands the events it accepted. Implemented by the
// outbox. `done` runs once the events are durable (or refused), on the
// store's writer thread: post back to your own executor.

#include <functional>
#include <vector>

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

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void Accept(std::vector<ferry::v1::Event> events, std::function<void(AcceptResult)> done) = 0;
};

}  // namespace ferry::agent
