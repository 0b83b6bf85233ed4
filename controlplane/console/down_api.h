#pragma once
// The control plane's down queue in the console's API (docs/api.md,
// "Down"): the CRM records committed at the inbound listener that no agent
// has committed yet, oldest first, each with what it waits for.
//
//   GET /api/v1/down?limit=N      at most N (1 to 1,000; default 200), and
//                                 as many as 8 MiB of records hold
//
// Each command's way (committed, read, sent, committed by the agent,
// answered) is its trace: GET /api/v1/trace/{command_id}.

#include <string_view>

#include "common/http/http_server.h"
#include "common/store/durable_queue.h"

namespace ferry::controlplane {

inline constexpr size_t kMaxDownPage = 1000;
inline constexpr size_t kMaxDownPageBytes = 8u << 20;  // fewer commands when their records are large

http::Response ListDownQueue(const http::Request& req, std::string_view query, const store::DurableQueue& down);

}  // namespace ferry::controlplane
