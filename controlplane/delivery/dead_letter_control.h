#pragma once
// The control socket's dead-letter requests, what `ferry-controlplane dlq
// replay|discard` sends the running daemon (which holds the queues):
//
//   {"op": "dlq.replay",  "args": {"seqs": [...]} or {"filter": {...}}}
//   {"op": "dlq.discard", "args": {... , "reason": "..."}}
//
// The arguments are those of the console's API (dead_letters_api.h); the
// caller's user name (from the socket's peer) goes to the audit log as
// "unix:NAME". Runs on the event loop: one write transaction.

#include <sys/types.h>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "common/store/durable_queue.h"
#include "controlplane/console/audit_log.h"
#include "controlplane/delivery/dead_letter_actions.h"

namespace ferry::controlplane {

// nullopt: not a dead-letter request.
std::optional<boost::json::object> HandleDeadLetterRequest(const boost::json::value& request, uid_t caller,
                                                           const store::DurableQueue& dlq, DeadLetterActions& actions,
                                                           const AuditLog& audit);

}  // namespace ferry::controlplane
