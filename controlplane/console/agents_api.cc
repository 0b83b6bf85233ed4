#include "controlplane/console/agents_api.h"

#include <boost/json.hpp>

#include "common/http/json_response.h"
#include "common/http/url_encoding.h"

namespace ferry::controlplane {
namespace {

namespace bhttp = boost::beast::http;

std::vector<std::string_view> SplitList(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  while (!s.empty()) {
    const size_t end = s.find(separator);
    parts.push_back(s.substr(0, end));
    if (end == std::string_view::npos) break;
    s.remove_prefix(end + 1);
  }
  return parts;
}

std::optional<AgentState> StateNamed(std::string_view name) {
  for (AgentState s : {AgentState::kHealthy, AgentState::kDegraded, AgentState::kStale, AgentState::kOffline}) {
    if (name == AgentStateName(s)) return s;
  }
  return std::nullopt;
}

boost::json::object AgentJson(const AgentView& view) {
  const auto& record = view.record;
  const auto& heartbeat = record.heartbeat();
  boost::json::array reasons;
  for (const auto& reason : view.health.reasons) reasons.emplace_back(reason);
  boost::json::object labels;
  for (const auto& [key, value] : view.labels) labels[key] = value;
  const auto& flows = record.flows();
  auto zero_is_null = [](int64_t v) { return v == 0 ? boost::json::value(nullptr) : boost::json::value(v); };
  return {
      {"id", view.agent_id},
      {"state", AgentStateName(view.health.state)},
      {"reasons", std::move(reasons)},
      {"identity", view.identity},
      {"labels", std::move(labels)},
      {"version", heartbeat.version()},
      {"last_heartbeat_unix_ms", zero_is_null(record.heartbeat_unix_ms())},
      {"heartbeat_interval_ms", heartbeat.interval_ms()},
      {"outbox",
       {{"depth", heartbeat.outbox_depth()},
        {"bytes", heartbeat.outbox_bytes()},
        {"oldest_age_ms", heartbeat.oldest_age_ms()}}},
      {"acked_total", heartbeat.acked_total()},
      {"certificate_not_after_unix_ms", zero_is_null(view.certificate_not_after_unix_ms)},
      {"bundle",
       {{"running_version", flows.running_version()},
        {"desired_version", view.desired_version},
        {"reported_sequence", flows.deployment_sequence()},
        {"desired_sequence", view.desired_sequence},
        {"applied", flows.applied()},
        {"error", flows.error()}}},
      {"dead_letters", {{"last_hour", view.dead_letters.last_hour}, {"hour_before", view.dead_letters.hour_before}}},
  };
}

}  // namespace

Result<AgentQuery> ParseAgentQuery(std::string_view query) {
  auto params = http::ParseQuery(query);
  if (!params) return Status::InvalidArgument("the query string is malformed");
  AgentQuery q;
  for (const auto& [name, value] : *params) {
    if (name == "state") {
      for (auto part : SplitList(value, ',')) {
        auto state = StateNamed(part);
        if (!state)
          return Status::InvalidArgument("state: '" + std::string(part) +
                                         "' is not one of healthy, "
                                         "degraded, stale, offline");
        q.states.push_back(*state);
      }
    } else if (name == "label") {
      for (auto part : SplitList(value, ',')) {
        const size_t eq = part.find('=');
        if (eq == 0 || eq == std::string_view::npos) {
          return Status::InvalidArgument("label: '" + std::string(part) + "' is not key=value");
        }
        q.labels[std::string(part.substr(0, eq))] = std::string(part.substr(eq + 1));
      }
    } else if (name == "q") {
      q.text = value;
    } else if (name == "sort") {
      if (value == "state") {
        q.sort = AgentSort::kState;
      } else if (value == "id") {
        q.sort = AgentSort::kId;
      } else if (value == "last_heartbeat") {
        q.sort = AgentSort::kLastHeartbeat;
      } else if (value == "oldest_unsent") {
        q.sort = AgentSort::kOldestUnsent;
      } else {
        return Status::InvalidArgument("sort: '" + value + "' is not one of state, id, last_heartbeat, oldest_unsent");
      }
    } else if (name == "order") {
      if (value != "asc" && value != "desc") return Status::InvalidArgument("order: must be asc or desc");
      q.descending = value == "desc";
    } else if (name == "offset") {
      auto n = http::QueryNumber(value, 100'000'000);
      if (!n) return Status::InvalidArgument("offset: must be a whole number");
      q.offset = *n;
    } else if (name == "limit") {
      auto n = http::QueryNumber(value, AgentQuery::kMaxLimit);
      if (!n || *n == 0) {
        return Status::InvalidArgument("limit: must be from 1 to " + std::to_string(AgentQuery::kMaxLimit));
      }
      q.limit = *n;
    } else {
      return Status::InvalidArgument("unknown parameter '" + name + "' (state, label, q, sort, order, offset, limit)");
    }
  }
  return q;
}

http::Response ListAgents(const http::Request& req, std::string_view query, const FleetView& fleet, int64_t now) {
  auto q = ParseAgentQuery(query);
  if (!q.ok()) return http::JsonError(req, bhttp::status::bad_request, q.status().message());
  auto page = fleet.List(*q, now);
  if (!page.ok()) return http::JsonError(req, bhttp::status::internal_server_error, page.status().message());
  boost::json::array agents;
  for (const auto& view : page->agents) agents.push_back(AgentJson(view));
  boost::json::object by_state;
  for (AgentState s : {AgentState::kHealthy, AgentState::kDegraded, AgentState::kStale, AgentState::kOffline}) {
    by_state[AgentStateName(s)] = page->by_state[static_cast<size_t>(s)];
  }
  const size_t next = q->offset + page->agents.size();
  return http::JsonResponse(
      req, bhttp::status::ok,
      boost::json::object{{"total", page->total},
                          {"offset", q->offset},
                          {"next_offset", next < page->total ? boost::json::value(next) : boost::json::value(nullptr)},
                          {"fleet_by_state", std::move(by_state)},
                          {"agents", std::move(agents)}});
}

http::Response GetAgent(const http::Request& req, const std::string& agent_id, const FleetView& fleet, int64_t now) {
  auto view = fleet.Get(agent_id, now);
  if (!view.ok()) {
    return http::JsonError(
        req,
        view.status().code() == StatusCode::kNotFound ? bhttp::status::not_found : bhttp::status::internal_server_error,
        view.status().message());
  }
  return http::JsonResponse(req, bhttp::status::ok, AgentJson(*view));
}

}  // namespace ferry::controlplane
