#include "controlplane/fleet/agent_identities.h"

#include "common/fleet/certificate_timing.h"
#include "common/store/proto_records.h"
#include "common/transport/topics.h"
#include "common/util/clock.h"

namespace ferry::controlplane {

const char* AgentIdentityStateName(ferry::v1::AgentIdentity::State state) {
  switch (state) {
    case ferry::v1::AgentIdentity::INVITED:
      return "invited";
    case ferry::v1::AgentIdentity::ENROLLED:
      return "enrolled";
    case ferry::v1::AgentIdentity::REVOKED:
      return "revoked";
    default:
      return "unknown";
  }
}

using ferry::v1::AgentIdentity;

Result<AgentIdentity> AgentIdentities::Update(const std::string& agent_id, Change change) {
  AgentIdentity result;
  Status s = store_.WriteSync([&](store::WriteTxn& txn) {
    const MDB_dbi db = store_.Db(kDb);
    const std::string what = "agent identity " + agent_id;
    AgentIdentity record;
    Status read = store::ReadProto(txn.txn(), db, agent_id, record, what);
    if (!read.ok() && read.code() != StatusCode::kNotFound) return read;
    const bool exists = read.ok();
    if (!exists) record.set_agent_id(agent_id);
    if (Status changed = change(record, exists); !changed.ok()) return changed;
    result = record;
    return store::WriteProto(txn.txn(), db, agent_id, record, what);
  });
  if (!s.ok()) return s;
  return result;
}

Result<fleet::EnrollmentToken> AgentIdentities::Invite(const std::string& agent_id,
                                                       const std::map<std::string, std::string>& labels,
                                                       std::chrono::seconds valid_for,
                                                       const std::string& ca_fingerprint) {
  if (!transport::topics::IsValidAgentId(agent_id)) {
    return Status::InvalidArgument("agent id \"" + agent_id +
                                   "\" is not valid: 1 to 64 of the letters A-Z a-z, digits and - _ .");
  }
  if (agent_id == kControlPlaneIdentity) {
    return Status::InvalidArgument("agent id \"" + agent_id + "\" is the control plane's own identity");
  }
  fleet::EnrollmentToken token = fleet::EnrollmentToken::New(agent_id, ca_fingerprint);
  const int64_t now = NowUnixMs();
  auto updated = Update(agent_id, [&](AgentIdentity& record, bool exists) {
    if (!exists) {
      record.set_state(AgentIdentity::INVITED);
      record.set_invited_unix_ms(now);
    }
    if (!labels.empty()) {
      record.mutable_labels()->clear();
      for (const auto& [k, v] : labels) (*record.mutable_labels())[k] = v;
    }
    record.set_token_hash(token.SecretHash());
    record.set_token_expires_unix_ms(now + std::chrono::duration_cast<std::chrono::milliseconds>(valid_for).count());
    record.set_token_used_unix_ms(0);
    return Status::Ok();
  });
  if (!updated.ok()) return updated.status();
  return token;
}

namespace {

// Drops certificates past their end from both lists: they need no revoking.
void ForgetEndedCertificates(AgentIdentity& record, int64_t now) {
  for (auto* certs : {record.mutable_certificates(), record.mutable_revoked_certificates()}) {
    for (int i = certs->size() - 1; i >= 0; --i) {
      if (certs->Get(i).not_after_unix_ms() < now) certs->DeleteSubrange(i, 1);
    }
  }
}

// Moves every certificate the agent holds to its revoked ones.
void RevokeHeldCertificates(AgentIdentity& record, int64_t now) {
  for (const auto& cert : record.certificates()) {
    ferry::v1::IssuedCertificate* revoked = record.add_revoked_certificates();
    *revoked = cert;
    revoked->set_revoked_unix_ms(now);
  }
  record.clear_certificates();
}

}  // namespace

Result<AgentIdentity> AgentIdentities::Enroll(const fleet::EnrollmentToken& token,
                                              const ferry::v1::IssuedCertificate& certificate) {
  const int64_t now = NowUnixMs();
  const std::string presented = token.SecretHash();
  return Update(token.agent_id, [&](AgentIdentity& record, bool exists) {
    const Status wrong = Status::Unauthenticated("the enrollment token is not valid");
    if (!exists) return wrong;
    // "Used already" only to whoever holds that very token: anyone else
    // learns nothing about which agents exist.
    if (!record.used_token_hash().empty() && fleet::ConstantTimeEquals(record.used_token_hash(), presented)) {
      return Status::AlreadyExists("the enrollment token was used already; ask for a new one (agents add)");
    }
    if (record.token_hash().empty() || !fleet::ConstantTimeEquals(record.token_hash(), presented)) return wrong;
    if (now >= record.token_expires_unix_ms()) {
      return Status::FailedPrecondition("the enrollment token has expired; ask for a new one (agents add)");
    }
    record.set_used_token_hash(record.token_hash());
    record.clear_token_hash();
    record.set_token_used_unix_ms(now);
    RevokeHeldCertificates(record, now);
    record.set_state(AgentIdentity::ENROLLED);
    record.set_enrolled_unix_ms(now);
    *record.add_certificates() = certificate;
    ForgetEndedCertificates(record, now);
    return Status::Ok();
  });
}

Status AgentIdentities::RecordRenewal(const std::string& agent_id, const ferry::v1::IssuedCertificate& certificate) {
  const int64_t now = NowUnixMs();
  auto updated = Update(agent_id, [&](AgentIdentity& record, bool exists) {
    if (!exists || record.state() != AgentIdentity::ENROLLED) {
      return Status::FailedPrecondition("agent " + agent_id + " is not enrolled");
    }
    *record.add_certificates() = certificate;
    ForgetEndedCertificates(record, now);
    return Status::Ok();
  });
  return updated.status();
}

Result<AgentIdentity> AgentIdentities::SetLabels(const std::string& agent_id,
                                                 const std::map<std::string, std::string>& labels) {
  return Update(agent_id, [&](AgentIdentity& record, bool exists) {
    if (!exists) return Status::NotFound("agent " + agent_id + " is not in the fleet");
    record.mutable_labels()->clear();
    for (const auto& [k, v] : labels) (*record.mutable_labels())[k] = v;
    return Status::Ok();
  });
}

Result<AgentIdentity> AgentIdentities::Revoke(const std::string& agent_id, const std::string& reason) {
  const int64_t now = NowUnixMs();
  return Update(agent_id, [&](AgentIdentity& record, bool exists) {
    if (!exists) return Status::NotFound("agent " + agent_id + " is not in the fleet");
    record.set_state(AgentIdentity::REVOKED);
    record.set_revoked_unix_ms(now);
    record.set_revoked_reason(reason);
    record.clear_token_hash();  // a pending invitation dies with it
    // Its certificates stay revoked whatever becomes of the agent later.
    RevokeHeldCertificates(record, now);
    return Status::Ok();
  });
}

Result<AgentIdentity> AgentIdentities::Get(const std::string& agent_id) const {
  const std::string what = "agent identity " + agent_id;
  if (!store::Declared(store_, kDb)) return Status::NotFound(what + " not found");
  store::ReadTxn read = store_.BeginRead();
  if (!read.ok()) return Status::Unavailable("cannot begin a read transaction");
  AgentIdentity record;
  if (Status s = store::ReadProto(read.txn(), store_.Db(kDb), agent_id, record, what); !s.ok()) return s;
  return record;
}

Result<std::vector<AgentIdentity>> AgentIdentities::List() const {
  return store::ReadAllProtos<AgentIdentity>(store_, kDb);
}

std::vector<std::string> CertificateWarnings(const std::vector<AgentIdentity>& agents, int64_t now_unix_ms) {
  std::vector<std::string> out;
  for (const AgentIdentity& agent : agents) {
    if (agent.state() != AgentIdentity::ENROLLED || agent.certificates_size() == 0) continue;
    const ferry::v1::IssuedCertificate& newest = agent.certificates(agent.certificates_size() - 1);
    const int64_t end = newest.not_after_unix_ms();
    if (now_unix_ms < fleet::WarnFromUnixMs(newest.issued_unix_ms(), end)) continue;
    if (end <= now_unix_ms) {
      out.push_back("agent " + agent.agent_id() + ": its certificate expired " + FormatIsoTimeMs(end) +
                    "; it must enroll again (agents add, then ferry-agent enroll)");
    } else {
      out.push_back("agent " + agent.agent_id() + ": its certificate expires " + FormatIsoTimeMs(end) +
                    " and was not renewed; is the agent offline? Otherwise it must enroll again before then");
    }
  }
  return out;
}

bool AgentIdentities::IsEnrolled(const std::string& agent_id) const {
  auto record = Get(agent_id);
  return record.ok() && record->state() == AgentIdentity::ENROLLED;
}

}  // namespace ferry::controlplane
