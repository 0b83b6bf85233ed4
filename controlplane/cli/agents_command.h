#pragma once
// `ferry-controlplane agents ...` and `pki ...`: the fleet's identities
// (docs/fleet-security.md).
//
//   agents add ID [--labels k=v,...] [--expires 24h]   a one-time enrollment token
//   agents ls [--json]                                 every agent and its state
//   agents label ID --labels k=v,...                   the labels bundles are chosen by
//   agents revoke ID --reason TEXT                     refuse it from now on, and a new CRL
//   pki issue-server --name N --host H... --out FILE   a server identity (the broker's)
//
// They open the store read-write while the daemon may run (LMDB serialises
// writers across processes), as the owner of the data folder when run as
// root. Exit codes: 0 done; 1 an operational failure (store, CA, files);
// 2 bad input (config, agent id, labels, duration); 3 no such agent.

#include <string>
#include <vector>

namespace ferry::controlplane {

struct AgentsCommandOptions {
  std::string config_path;
  std::string agent_id;            // add, revoke
  std::string labels;              // add, label: "k=v,k=v"
  std::string expires = "24h";     // add
  std::string reason;              // revoke
  bool json = false;               // ls
  std::string name;                // pki issue-server
  std::vector<std::string> hosts;  // pki issue-server
  std::string out;                 // pki issue-server
};

inline constexpr int kAgentsExitUnknownAgent = 3;

int AgentsAdd(const AgentsCommandOptions& options);
int AgentsList(const AgentsCommandOptions& options);
int AgentsLabel(const AgentsCommandOptions& options);
int AgentsRevoke(const AgentsCommandOptions& options);
int PkiIssueServer(const AgentsCommandOptions& options);

}  // namespace ferry::controlplane
