#pragma once
// A down queue as field IT and the integration team read it (`ferry-agent
// down ls`, `ferry-controlplane down list`): the commands oldest first,
// as a table or one JSON array, each with what it waits for.

#include <ostream>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>

#include "common/store/durable_queue.h"

namespace ferry::wire {

// `next` is what a command waits for when it is complete: "agent" at the
// control plane (an agent to commit it), "sap" at the agent. A command
// whose record is still to be read from the CRM waits for "read".
// One JSON object per command, as `--json` and the console show them:
// seq, direction, command_id, channel, crm, object, record_id, replays,
// received_unix_ms, queued_unix_ms, record_bytes, waiting_for; or seq and
// corrupt for one that does not read.
boost::json::array DownQueueJson(const std::vector<store::QueueRecord>& records, std::string_view next);

void PrintDownQueue(const std::vector<store::QueueRecord>& records, bool json, std::string_view next,
                    int64_t now_unix_ms, std::ostream& out);

}  // namespace ferry::wire
