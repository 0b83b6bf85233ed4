#pragma once
// Renews enrolled agents' certificates in band (agent/identity/
// certificate_renewer.h is the other side).
//
// A request on ferry/v1/agents/<id>/up/renew can only come from the holder
// of a valid certificate for <id>: the broker takes the user name from the
// client certificate and its ACL lets an agent publish under its own id
// only. The request proves possession of the new key (its signature is
// checked); its subject is ignored, the certificate names the topic's agent.
// It is refused when the agent is not ENROLLED (never, or revoked) and when
// it renewed less than `min_interval` ago, so a compromised agent cannot
// make the CA sign certificates as fast as it can ask. Every renewal is
// recorded (agents ls shows it) before its certificate is sent.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "common/transport/tunnel.h"
#include "controlplane/fleet/agent_identities.h"
#include "controlplane/fleet/fleet_pki.h"

namespace ferry::controlplane {

class CertificateRenewal {
 public:
  CertificateRenewal(transport::Tunnel& tunnel, AgentIdentities& identities, const FleetPki& pki,
                     std::chrono::seconds min_interval = std::chrono::seconds(10))
      : tunnel_(tunnel), identities_(identities), pki_(pki), min_interval_(min_interval) {}

  // A message on `agent_id`'s up/renew: answered on its down/renew.
  void OnRequest(const std::string& agent_id, const std::string& payload);
  uint64_t renewed() const { return renewed_; }
  uint64_t refused() const { return refused_; }

 private:
  void Refuse(const std::string& agent_id, uint64_t request_id, const std::string& why);

  transport::Tunnel& tunnel_;
  AgentIdentities& identities_;
  const FleetPki& pki_;
  std::chrono::seconds min_interval_;
  // When each agent last renewed; one entry per enrolled agent at most.
  std::map<std::string, std::chrono::steady_clock::time_point> last_renewal_;
  uint64_t renewed_ = 0;
  uint64_t refused_ = 0;
};

}  // namespace ferry::controlplane
