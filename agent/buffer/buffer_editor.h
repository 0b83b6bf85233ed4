#pragma once
// BufferEditor: field IT's changes to an agent's buffer, each in one LMDB
// transaction.
//
// - Retry: a dead letter is enqueued again under a new event id (the control
//   plane drops an event id it has seen). An event the flows could not map
//   is mapped again with the running bundle first, so a fixed flow applies;
//   one the CRM refused is sent again as it was. The old entry notes the
//   new id, and a dead letter is retried once.
// - Skip and purge: pending events leave the outbox for the history, marked
//   with who and why; they are never sent. Events in flight are left alone
//   (the control plane may already have them).
//
// The running agent applies these through its control socket, so its store
// has one writer; with the agent stopped, the CLI applies them itself.

#include <functional>
#include <string>
#include <vector>

#include "agent/buffer/buffer_view.h"
#include "agent/history/event_history.h"
#include "common/status.h"
#include "common/store/durable_queue.h"
#include "common/store/store.h"

namespace ferry::agent {

struct EditOutcome {
  std::vector<std::string> changed;  // event ids
  std::vector<std::string> refused;  // "<event id>: why"
  std::vector<std::string> new_ids;  // retries: the events enqueued
  // Retries: each dead letter retried now or before, and the (first) event
  // it was retried as.
  std::vector<std::pair<std::string, std::string>> retried_as;
};

class BufferEditor {
 public:
  // Maps an unmappable event's document again; null when no agent runs.
  using Remap = std::function<Result<std::vector<store::AppendItem>>(const ferry::v1::Event&)>;

  BufferEditor(store::Store& store, store::DurableQueue& outbox, const EventHistory& history, Remap remap);

  Result<EditOutcome> Retry(const std::vector<EventView>& targets);
  // `how`: "skipped" or "purged". Events up to `published_through` may be
  // at the control plane already (the running agent says so): refused.
  Result<EditOutcome> Remove(const std::vector<EventView>& targets, const std::string& how, const std::string& note,
                             uint64_t published_through = 0);

 private:
  store::Store& store_;
  store::DurableQueue& outbox_;
  const EventHistory& history_;
  Remap remap_;

  // Runs `work` in one transaction and waits for it.
  Status Commit(const store::WriteFn& work);
};

}  // namespace ferry::agent
