#pragma once
// Which agents belong to the fleet: invited with a one-time token, enrolled
// with a certificate from the control plane's CA, or revoked. One LMDB
// database, "fleet.identities" (agent id -> ferry.v1.AgentIdentity), shared
// by the daemon (enrollment, renewal, the check on every batch) and the
// `agents` commands (add, revoke, ls), which open the same store.
//
// Every change is one write transaction that reads the record again, so a
// token can be redeemed only once even when two enrollments race.

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "common/fleet/enrollment_token.h"
#include "common/status.h"
#include "common/store/store.h"
#include "ferry/v1/event.pb.h"

namespace ferry::controlplane {

// "invited", "enrolled", "revoked" ("unknown" for a record without a state).
const char* AgentIdentityStateName(ferry::v1::AgentIdentity::State state);

class AgentIdentities {
 public:
  static constexpr const char* kDb = "fleet.identities";
  explicit AgentIdentities(store::Store& store) : store_(store) {}

  // A new one-time token for `agent_id`, valid for `valid_for`; an earlier
  // pending token stops working. A new agent is INVITED; an enrolled or
  // revoked one keeps its certificates and becomes INVITED again when it
  // redeems the token. `labels` replace the recorded ones when not empty.
  Result<fleet::EnrollmentToken> Invite(const std::string& agent_id, const std::map<std::string, std::string>& labels,
                                        std::chrono::seconds valid_for, const std::string& ca_fingerprint);

  // Enrollment, in one transaction: checks a presented token, marks it
  // used, records `certificate` (issued for the agent's request before the
  // call; it is never handed out when this fails) and makes the agent
  // ENROLLED. The certificates it held before are revoked: enrolling again
  // replaces an identity, it does not add a second one.
  // Unauthenticated: unknown agent or wrong secret (the two are not told
  // apart); AlreadyExists: used before; FailedPrecondition: expired.
  Result<ferry::v1::AgentIdentity> Enroll(const fleet::EnrollmentToken& token,
                                          const ferry::v1::IssuedCertificate& certificate);

  // Records a certificate renewed in band. FailedPrecondition unless the
  // agent is ENROLLED (a renewal racing a revocation loses).
  Status RecordRenewal(const std::string& agent_id, const ferry::v1::IssuedCertificate& certificate);

  // Replaces the labels bundles are chosen by (all of them; empty: none).
  // NotFound for an unknown agent.
  Result<ferry::v1::AgentIdentity> SetLabels(const std::string& agent_id,
                                             const std::map<std::string, std::string>& labels);

  // Revokes: every certificate it holds goes on the CRL. NotFound for an
  // unknown agent.
  Result<ferry::v1::AgentIdentity> Revoke(const std::string& agent_id, const std::string& reason);

  Result<ferry::v1::AgentIdentity> Get(const std::string& agent_id) const;  // NotFound: unknown
  Result<std::vector<ferry::v1::AgentIdentity>> List() const;               // by agent id
  // Whether events and requests from `agent_id` are accepted: it is ENROLLED.
  bool IsEnrolled(const std::string& agent_id) const;

 private:
  using Change = std::function<Status(ferry::v1::AgentIdentity&, bool exists)>;
  Result<ferry::v1::AgentIdentity> Update(const std::string& agent_id, Change change);
  store::Store& store_;
};

// One line per enrolled agent whose newest certificate ends within 14 days
// or has ended: what `agents ls` and `status` warn about.
std::vector<std::string> CertificateWarnings(const std::vector<ferry::v1::AgentIdentity>& agents, int64_t now_unix_ms);

// The CN the control plane's own certificate carries, which the broker's
// ACL grants every agent topic: no agent may be enrolled under it.
inline constexpr const char* kControlPlaneIdentity = "ferry-controlplane";

}  // namespace ferry::controlplane
