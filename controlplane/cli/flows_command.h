#pragma once
// `ferry-controlplane flows ...`: signing keys, deploying and rolling back
// flow bundles, and what the agents run (docs/flows.md, "Bundles and
// deployment").
//
// deploy and rollback open the store read-write while the daemon may run
// (LMDB serialises writers across processes); the daemon picks the new
// deployment up at its next poll. status and list open it read-only. keygen
// and diff need no config. status and list are in flows_report_command.cc,
// the rest in flows_command.cc; flows_cli_support.h has what they share.
//
// Every command returns the process exit code: 0 done; 1 an operational
// failure (the store cannot be opened or written, an unknown version, a
// file that cannot be written); 2 bad input (invalid config, an unreadable
// bundle, compile errors, a bad selector, an output file that exists).

#include <cstdint>
#include <string>

#include "common/flows/bundle_files.h"

namespace ferry::controlplane {

struct FlowsCommandOptions {
  std::string config_path;
  std::string out;                                        // keygen
  std::string bundle;                                     // deploy, diff: a flow file or folder
  std::string standard_dir = flows::kDefaultStandardDir;  // deploy, diff
  std::string selector;                                   // deploy, rollback: "k=v,k=v"; empty: every agent
  std::string comment;                                    // deploy, rollback
  uint64_t to_version = 0;                                // rollback
  bool json = false;                                      // status, list
};

// Writes a new Ed25519 private key to `out` (mode 0600) and its public key
// to `out`.pub; prints the key id. Refuses to replace either file.
int FlowsKeygen(const FlowsCommandOptions& options);
// Compiles the bundle (compile errors on stderr, exit 2), stores it as a new
// version unless it equals the newest, and deploys it to the selector.
int FlowsDeploy(const FlowsCommandOptions& options);
// A new deployment of an existing version.
int FlowsRollback(const FlowsCommandOptions& options);
// One line (or JSON object) per known agent: desired, running, last status.
int FlowsStatus(const FlowsCommandOptions& options);
// The bundle versions and the deployments.
int FlowsList(const FlowsCommandOptions& options);
// For every flow that extends a standard flow, what it changes.
int FlowsDiff(const FlowsCommandOptions& options);

}  // namespace ferry::controlplane
