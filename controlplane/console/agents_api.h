#pragma once
// The agents part of the console's API (docs/api.md, "Agents"):
//
//   GET /api/v1/agents        a page of the fleet: ?state=offline,stale
//                             &label=plant=hh,line=2 &q=text &sort=state|id|
//                             last_heartbeat|oldest_unsent &order=asc|desc
//                             &offset=0 &limit=50 (at most 500)
//   GET /api/v1/agents/{id}   one agent
//
// Every parameter is checked; one the API does not know, or a value out of
// range, is a 400 that names it.

#include <string>
#include <string_view>

#include "common/http/http_server.h"
#include "common/status.h"
#include "controlplane/console/fleet_view.h"

namespace ferry::controlplane {

Result<AgentQuery> ParseAgentQuery(std::string_view query);

http::Response ListAgents(const http::Request& req, std::string_view query, const FleetView& fleet,
                          int64_t now_unix_ms);
http::Response GetAgent(const http::Request& req, const std::string& agent_id, const FleetView& fleet,
                        int64_t now_unix_ms);

}  // namespace ferry::controlplane
