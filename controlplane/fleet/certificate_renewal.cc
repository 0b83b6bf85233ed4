#include "controlplane/fleet/certificate_renewal.h"

#include <spdlog/spdlog.h>

#include "common/log/log.h"
#include "common/transport/topics.h"
#include "ferry/v1/event.pb.h"

namespace ferry::controlplane {
namespace {

constexpr size_t kMaxRequestBytes = 16 << 10;  // a P-256 request is under 1 KiB

}  // namespace

void CertificateRenewal::Refuse(const std::string& agent_id, uint64_t request_id, const std::string& why) {
  ++refused_;
  if (log::FirstOrPowerOfTwo(refused_)) {
    spdlog::warn("event=certificate_renewal agent_id={} outcome=refused reason=\"{}\" refused_total={}", agent_id, why,
                 refused_);
  }
  ferry::v1::RenewResponse answer;
  answer.set_request_id(request_id);
  answer.set_error(why);
  tunnel_.Publish(transport::topics::DownRenew(agent_id), answer.SerializeAsString(), nullptr);
}

void CertificateRenewal::OnRequest(const std::string& agent_id, const std::string& payload) {
  ferry::v1::RenewRequest request;
  if (payload.size() > kMaxRequestBytes || !request.ParseFromString(payload)) {
    return Refuse(agent_id, 0, "not a renewal request");
  }
  if (!identities_.IsEnrolled(agent_id)) {
    return Refuse(agent_id, request.request_id(), "agent " + agent_id + " is not enrolled");
  }
  const auto now = std::chrono::steady_clock::now();
  if (auto last = last_renewal_.find(agent_id); last != last_renewal_.end() && now - last->second < min_interval_) {
    return Refuse(agent_id, request.request_id(),
                  "renewed less than " + std::to_string(min_interval_.count()) + " s ago; ask again later");
  }
  auto csr = crypto::CertificateRequest::FromPem(request.csr_pem());
  if (!csr.ok()) return Refuse(agent_id, request.request_id(), "csr: " + csr.status().message());
  auto cert = pki_.IssueAgentCertificate(*csr, agent_id);
  if (!cert.ok()) return Refuse(agent_id, request.request_id(), cert.status().message());
  // Recorded before it is sent: a revocation that won the race refuses it.
  if (Status s = identities_.RecordRenewal(agent_id, IssuedCertificateRecord(*cert)); !s.ok()) {
    return Refuse(agent_id, request.request_id(), s.message());
  }
  last_renewal_[agent_id] = now;
  ++renewed_;
  spdlog::info("event=certificate_renewal agent_id={} outcome=renewed serial={} not_after_unix={}", agent_id,
               cert->SerialHex(), cert->NotAfterUnix());
  ferry::v1::RenewResponse answer;
  answer.set_request_id(request.request_id());
  answer.set_certificate_pem(cert->ToPem());
  answer.set_chain_pem(pki_.chain_pem());
  tunnel_.Publish(transport::topics::DownRenew(agent_id), answer.SerializeAsString(), nullptr);
}

}  // namespace ferry::controlplane
