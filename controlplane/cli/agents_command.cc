#include "controlplane/cli/agents_command.h"

#include <boost/json.hpp>

#include <cstdio>
#include <iostream>
#include <map>

#include "common/config/config_node.h"
#include "common/util/clock.h"
#include "common/util/files.h"
#include "controlplane/cli/flows_cli_support.h"
#include "controlplane/fleet/agent_identities.h"
#include "controlplane/fleet/fleet_pki.h"

namespace ferry::controlplane {
namespace {

using ferry::v1::AgentIdentity;

// The store and the CA, opened as the daemon would (the CA is made here
// when the control plane has never started).
struct OpenedFleet {
  OpenedRegistry opened;
  std::unique_ptr<AgentIdentities> identities;
  std::unique_ptr<FleetPki> pki;
};

int OpenFleet(const std::string& config_path, OpenedFleet& out) {
  if (int rc = OpenRegistry(config_path, /*read_only=*/false, out.opened)) return rc;
  out.identities = std::make_unique<AgentIdentities>(*out.opened.store);
  auto pki = FleetPki::Open(out.opened.config.fleet.pki, /*create=*/true);
  if (!pki.ok()) {
    std::cerr << "ferry-controlplane: the CA: " << pki.status().message() << "\n";
    return kFlowsExitFailure;
  }
  out.pki = std::move(pki).value();
  return kFlowsExitOk;
}

// Writes the CRL for the revocations in the store; says where.
int WriteCrl(const OpenedFleet& fleet) {
  auto agents = fleet.identities->List();
  if (!agents.ok()) {
    std::cerr << "ferry-controlplane: " << agents.status().message() << "\n";
    return kFlowsExitFailure;
  }
  auto crl = fleet.pki->WriteCrl(*agents);
  if (!crl.ok()) {
    std::cerr << "ferry-controlplane: cannot write the CRL: " << crl.status().message() << "\n";
    return kFlowsExitFailure;
  }
  std::cout << "revocation list: " << crl->string()
            << " (the broker reads it when it starts or reloads: systemctl reload mosquitto)\n";
  return kFlowsExitOk;
}

}  // namespace

int AgentsAdd(const AgentsCommandOptions& options) {
  Selector labels;
  if (int rc = ParseSelector(options.labels, labels)) return rc;
  std::chrono::milliseconds valid_for{0};
  if (!config::ParseDuration(options.expires, valid_for) || valid_for < std::chrono::seconds(1)) {
    std::cerr << "ferry-controlplane: --expires: expected a duration of at least 1s such as 30m, 24h or 7d, got '"
              << options.expires << "'\n";
    return kFlowsExitInput;
  }
  OpenedFleet fleet;
  if (int rc = OpenFleet(options.config_path, fleet)) return rc;
  auto token =
      fleet.identities->Invite(options.agent_id, labels, std::chrono::duration_cast<std::chrono::seconds>(valid_for),
                               fleet.pki->root_fingerprint());
  if (!token.ok()) {
    std::cerr << "ferry-controlplane: " << token.status().message() << "\n";
    return token.status().code() == StatusCode::kInvalidArgument ? kFlowsExitInput : kFlowsExitFailure;
  }
  const FleetOptions& f = fleet.opened.config.fleet;
  const std::string url = f.enrollment_hosts.empty()
                              ? "https://<control plane>:8443"
                              : "https://" + f.enrollment_hosts.front() + ":" + std::to_string(f.enrollment_port);
  // The token alone on stdout, so scripts can take it; the rest to stderr.
  std::cout << token->Format() << "\n";
  std::cerr << "agent " << options.agent_id << " invited; the token above works once, until "
            << FormatIsoTimeMs(NowUnixMs() + valid_for.count()) << ". On the agent's host:\n"
            << "  ferry-agent enroll --token <token> --url " << url << "\n";
  return kFlowsExitOk;
}

int AgentsList(const AgentsCommandOptions& options) {
  OpenedRegistry opened;
  if (int rc = OpenRegistry(options.config_path, /*read_only=*/true, opened)) return rc;
  AgentIdentities identities(*opened.store);
  auto agents = identities.List();
  auto seen = opened.registry->ListAgents();
  if (!agents.ok() || !seen.ok()) {
    std::cerr << "ferry-controlplane: " << (agents.ok() ? seen.status() : agents.status()).message() << "\n";
    return kFlowsExitFailure;
  }
  std::map<std::string, int64_t> last_seen;
  for (const auto& a : *seen) last_seen[a.agent_id()] = a.last_seen_unix_ms();
  const int64_t now = NowUnixMs();
  boost::json::array rows;
  if (!options.json) {
    std::printf("%-20s %-9s %-34s %-25s %-25s %s\n", "AGENT", "STATE", "SERIAL", "EXPIRES", "LAST-SEEN", "LABELS");
  }
  for (const AgentIdentity& agent : *agents) {
    const bool has_cert = agent.certificates_size() > 0;
    const auto& newest = has_cert ? agent.certificates(agent.certificates_size() - 1) : ferry::v1::IssuedCertificate();
    const int64_t expires = newest.not_after_unix_ms();
    const bool expiring = !CertificateWarnings({agent}, now).empty();
    Labels labels(agent.labels().begin(), agent.labels().end());
    if (options.json) {
      rows.push_back(boost::json::object{{"agent_id", agent.agent_id()},
                                         {"state", AgentIdentityStateName(agent.state())},
                                         {"labels", LabelsJson(labels)},
                                         {"serial", newest.serial()},
                                         {"expires", TimeOrNull(expires)},
                                         {"expires_unix_ms", expires},
                                         {"expiring", expiring},
                                         {"token_pending", !agent.token_hash().empty()},
                                         {"last_seen", TimeOrNull(last_seen[agent.agent_id()])},
                                         {"revoked_reason", agent.revoked_reason()}});
      continue;
    }
    std::string state = AgentIdentityStateName(agent.state());
    if (!agent.token_hash().empty() && agent.state() != AgentIdentity::INVITED) state += "+token";
    std::printf("%-20s %-9s %-34s %-25s %-25s %s\n", agent.agent_id().c_str(), state.c_str(),
                has_cert ? newest.serial().c_str() : "-", TimeOrDash(expires).c_str(),
                TimeOrDash(last_seen[agent.agent_id()]).c_str(), FormatLabels(labels).c_str());
  }
  if (options.json) {
    std::cout << boost::json::serialize(rows) << "\n";
  } else {
    for (const std::string& w : CertificateWarnings(*agents, now)) std::cout << "warning: " << w << "\n";
  }
  return kFlowsExitOk;
}

int AgentsLabel(const AgentsCommandOptions& options) {
  Selector labels;
  if (int rc = ParseSelector(options.labels, labels)) return rc;
  OpenedFleet fleet;
  if (int rc = OpenFleet(options.config_path, fleet)) return rc;
  auto labelled = fleet.identities->SetLabels(options.agent_id, labels);
  if (!labelled.ok()) {
    std::cerr << "ferry-controlplane: " << labelled.status().message() << "\n";
    return labelled.status().code() == StatusCode::kNotFound ? kAgentsExitUnknownAgent : kFlowsExitFailure;
  }
  std::cout << "agent " << options.agent_id << " labelled " << (labels.empty() ? "(none)" : options.labels)
            << ": bundles follow from its next heartbeat\n";
  return kFlowsExitOk;
}

int AgentsRevoke(const AgentsCommandOptions& options) {
  if (options.reason.empty()) {
    std::cerr << "ferry-controlplane: --reason is required (it is kept with the agent)\n";
    return kFlowsExitInput;
  }
  OpenedFleet fleet;
  if (int rc = OpenFleet(options.config_path, fleet)) return rc;
  auto revoked = fleet.identities->Revoke(options.agent_id, options.reason);
  if (!revoked.ok()) {
    std::cerr << "ferry-controlplane: " << revoked.status().message() << "\n";
    return revoked.status().code() == StatusCode::kNotFound ? kAgentsExitUnknownAgent : kFlowsExitFailure;
  }
  std::cout << "agent " << options.agent_id << " revoked: the control plane refuses it from now on\n";
  return WriteCrl(fleet);
}

int PkiIssueServer(const AgentsCommandOptions& options) {
  if (options.name.empty() || options.hosts.empty() || options.out.empty()) {
    std::cerr << "ferry-controlplane: pki issue-server needs --name, at least one --host and --out\n";
    return kFlowsExitInput;
  }
  OpenedFleet fleet;
  if (int rc = OpenFleet(options.config_path, fleet)) return rc;
  auto pem = fleet.pki->IssueServerIdentity(options.name, options.hosts);
  if (!pem.ok()) {
    std::cerr << "ferry-controlplane: " << pem.status().message() << "\n";
    return pem.status().code() == StatusCode::kInvalidArgument ? kFlowsExitInput : kFlowsExitFailure;
  }
  if (Status s = WriteFileAtomically(options.out, *pem, 0600); !s.ok()) {
    std::cerr << "ferry-controlplane: " << s.message() << "\n";
    return kFlowsExitFailure;
  }
  std::cout << options.out << ": key, certificate and CA chain for " << options.name << " (mode 0600)\n"
            << "CA for clients: " << fleet.pki->ca_file().string() << "\n"
            << "revocation list: " << fleet.pki->crl_file().string() << "\n";
  return kFlowsExitOk;
}

}  // namespace ferry::controlplane
