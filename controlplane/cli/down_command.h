#pragma once
// `ferry-controlplane down list`: the CRM records on their way into SAP
// that no agent has committed yet (the control plane's down queue), oldest
// first, read-only while the daemon runs or not. What happened to them
// afterwards is in the agent's log and, for refusals, `dlq list` (DIR down).

#include <cstddef>
#include <string>

namespace ferry::controlplane {

// The exit code: 0 listed, 2 bad configuration, 4 store unreadable.
int ListDownCommands(const std::string& config_path, bool json, size_t limit);

}  // namespace ferry::controlplane
