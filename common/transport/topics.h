#pragma once
// The MQTT topic tree (DESIGN.md "Wire"): ferry/v1/agents/{agent_id}/...

#include <optional>
#include <string>
#include <string_view>

namespace ferry::transport::topics {

inline constexpr std::string_view kPrefix = "ferry/v1/agents/";

inline std::string UpEvents(std::string_view agent) { return std::string(kPrefix) + std::string(agent) + "/up/events"; }
inline std::string UpHeartbeat(std::string_view agent) {
  return std::string(kPrefix) + std::string(agent) + "/up/heartbeat";
}
inline std::string DownAcks(std::string_view agent) { return std::string(kPrefix) + std::string(agent) + "/down/acks"; }
inline std::string UpFlows(std::string_view agent) { return std::string(kPrefix) + std::string(agent) + "/up/flows"; }
// Retained: the signed flow deployment the agent should run.
inline std::string DownBundle(std::string_view agent) {
  return std::string(kPrefix) + std::string(agent) + "/down/bundle";
}
inline std::string DownReports(std::string_view agent) {
  return std::string(kPrefix) + std::string(agent) + "/down/reports";
}
// Certificate renewal: the request up, the new certificate (or the refusal) down.
inline std::string UpRenew(std::string_view agent) { return std::string(kPrefix) + std::string(agent) + "/up/renew"; }
inline std::string DownRenew(std::string_view agent) {
  return std::string(kPrefix) + std::string(agent) + "/down/renew";
}
// Dead letters to map again: the command down, its outcome up.
inline std::string DownCommands(std::string_view agent) {
  return std::string(kPrefix) + std::string(agent) + "/down/commands";
}
inline std::string UpCommands(std::string_view agent) {
  return std::string(kPrefix) + std::string(agent) + "/up/commands";
}
// CRM records on their way to SAP: the commands down, the agent's
// acknowledgement of their commit up.
inline std::string DownRequests(std::string_view agent) {
  return std::string(kPrefix) + std::string(agent) + "/down/requests";
}
inline std::string UpRequests(std::string_view agent) {
  return std::string(kPrefix) + std::string(agent) + "/up/requests";
}

// Filters the control plane subscribes to, shared so several instances
// split the load.
inline std::string SharedUpEvents(std::string_view group) {
  return "$share/" + std::string(group) + "/ferry/v1/agents/+/up/events";
}
inline std::string SharedUpFlows(std::string_view group) {
  return "$share/" + std::string(group) + "/ferry/v1/agents/+/up/flows";
}
inline std::string SharedUpHeartbeat(std::string_view group) {
  return "$share/" + std::string(group) + "/ferry/v1/agents/+/up/heartbeat";
}
inline std::string SharedUpCommands(std::string_view group) {
  return "$share/" + std::string(group) + "/ferry/v1/agents/+/up/commands";
}
inline std::string SharedUpRequests(std::string_view group) {
  return "$share/" + std::string(group) + "/ferry/v1/agents/+/up/requests";
}
inline std::string SharedUpRenew(std::string_view group) {
  return "$share/" + std::string(group) + "/ferry/v1/agents/+/up/renew";
}

// Retained presence of the control plane: "online <instance> <connect time>"
// after each connect, "offline <instance>" as its last will. Agents resend
// what is unacknowledged when a control plane comes online, since batches
// published while no instance was subscribed were dropped by the broker.
inline constexpr std::string_view kControlPlanePresence = "ferry/v1/controlplane/presence";

struct ParsedTopic {
  std::string agent_id;
  std::string channel;  // e.g. "up/events"
};

// Splits "ferry/v1/agents/{id}/{dir}/{name}"; nullopt for anything else.
inline std::optional<ParsedTopic> Parse(std::string_view topic) {
  if (topic.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::string_view rest = topic.substr(kPrefix.size());
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  return ParsedTopic{std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))};
}

// Agent ids appear in topics: keep them to a safe alphabet.
inline bool IsValidAgentId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace ferry::transport::topics
