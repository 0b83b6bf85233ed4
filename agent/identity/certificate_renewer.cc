#include "agent/identity/certificate_renewer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

#include "common/fleet/certificate_timing.h"
#include "common/transport/topics.h"
#include "common/util/clock.h"
#include "common/util/files.h"
#include "ferry/v1/event.pb.h"

namespace ferry::agent {
namespace {

constexpr size_t kMaxAnswerBytes = 64 << 10;

}  // namespace

CertificateRenewer::CertificateRenewer(boost::asio::any_io_executor executor, transport::Tunnel& tunnel,
                                       RenewerOptions options)
    : executor_(executor), tunnel_(tunnel), options_(std::move(options)), timer_(executor) {}

Status CertificateRenewer::Start() {
  auto cert = ReadIdentityCertificate(options_.identity_file);
  if (!cert.ok()) return cert.status();
  current_ = *cert;
  const int64_t now = NowUnixMs();
  if (current_.not_after_unix_ms <= now) {
    spdlog::error(
        "event=certificate_expired serial={} not_after={} detail=\"the broker refuses it: enroll again with a new "
        "token (agents add, then ferry-agent enroll); buffered events are kept\"",
        current_.serial, FormatIsoTimeMs(current_.not_after_unix_ms));
    return Status::Ok();
  }
  if (current_.Expiring(now)) {
    spdlog::warn("event=certificate_expiring serial={} not_after={} detail=\"renewal is overdue; it is tried now\"",
                 current_.serial, FormatIsoTimeMs(current_.not_after_unix_ms));
  }
  ScheduleAt(fleet::RenewalDueUnixMs(current_.issued_unix_ms, current_.not_after_unix_ms));
  return Status::Ok();
}

void CertificateRenewer::Stop() {
  stopped_ = true;
  timer_.cancel();
}

void CertificateRenewer::RenewNow() { ScheduleAt(0); }

std::chrono::milliseconds CertificateRenewer::RetryInterval() const {
  if (options_.retry_interval.count() > 0) return options_.retry_interval;
  const int64_t life = current_.not_after_unix_ms - current_.issued_unix_ms;
  return std::chrono::milliseconds(std::clamp<int64_t>(life / 30, 2000, 60000));
}

void CertificateRenewer::ScheduleAt(int64_t unix_ms) {
  if (stopped_) return;
  timer_.expires_after(std::chrono::milliseconds(std::max<int64_t>(0, unix_ms - NowUnixMs())));
  std::weak_ptr<CertificateRenewer> weak = weak_from_this();
  timer_.async_wait([weak](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->Ask();
  });
}

void CertificateRenewer::Retry(const std::string& why) {
  stats_.last_error = why;
  request_id_ = 0;
  if (NowUnixMs() >= current_.not_after_unix_ms) {
    spdlog::error("event=certificate_expired serial={} detail=\"not renewed in time ({}): enroll again\"",
                  current_.serial, why);
    return;
  }
  const auto wait = RetryInterval();
  spdlog::warn("event=certificate_renewal_failed serial={} reason=\"{}\" retry_in_ms={}", current_.serial, why,
               wait.count());
  ScheduleAt(NowUnixMs() + wait.count());
}

void CertificateRenewer::Ask() {
  if (stopped_) return;
  if (request_id_ != 0) {
    Retry("no answer from the control plane");
    return;
  }
  if (!tunnel_.connected()) {
    Retry("not connected");
    return;
  }
  if (!pending_key_) {
    auto key = crypto::PrivateKey::Generate();
    if (!key.ok()) return Retry(key.status().message());
    pending_key_ = std::move(key).value();
  }
  auto csr = crypto::CertificateRequest::MakePem(*pending_key_, options_.agent_id);
  if (!csr.ok()) return Retry(csr.status().message());
  ferry::v1::RenewRequest request;
  std::random_device random;
  request_id_ = (static_cast<uint64_t>(random()) << 32 | random()) | 1;  // never 0
  request.set_request_id(request_id_);
  request.set_csr_pem(*csr);
  ++stats_.attempts;
  spdlog::info("event=certificate_renewal_requested serial={} not_after={}", current_.serial,
               FormatIsoTimeMs(current_.not_after_unix_ms));
  tunnel_.Publish(transport::topics::UpRenew(options_.agent_id), request.SerializeAsString(), nullptr);
  // The answer cancels this; without one, Ask runs again and retries.
  ScheduleAt(NowUnixMs() + RetryInterval().count());
}

void CertificateRenewer::OnAnswer(const std::string& payload) {
  ferry::v1::RenewResponse answer;
  if (payload.size() > kMaxAnswerBytes || !answer.ParseFromString(payload)) {
    spdlog::warn("event=certificate_renewal_answer_ignored reason=\"not a renewal answer\" bytes={}", payload.size());
    return;
  }
  // Only the answer to the request outstanding counts: a late answer to an
  // earlier attempt is for a key that may differ.
  if (stopped_ || request_id_ == 0 || answer.request_id() != request_id_) {
    spdlog::info("event=certificate_renewal_answer_ignored reason=\"no request of this id is waiting\"");
    return;
  }
  timer_.cancel();
  if (!answer.error().empty()) return Retry("the control plane refused: " + answer.error());
  if (Status s = Install(answer.certificate_pem(), answer.chain_pem()); !s.ok()) return Retry(s.message());
  request_id_ = 0;
  pending_key_.reset();
  ++stats_.renewed;
  stats_.last_error.clear();
  spdlog::info("event=certificate_renewed serial={} not_after={}", current_.serial,
               FormatIsoTimeMs(current_.not_after_unix_ms));
  if (on_renewed_) on_renewed_(current_);
  tunnel_.Reconnect("presenting the renewed certificate");
  ScheduleAt(fleet::RenewalDueUnixMs(current_.issued_unix_ms, current_.not_after_unix_ms));
}

Status CertificateRenewer::Install(const std::string& certificate_pem, const std::string& chain_pem) {
  auto cert = crypto::Certificate::FromPem(certificate_pem);
  if (!cert.ok()) return Status::InvalidArgument("the answer holds no certificate: " + cert.status().message());
  if (!cert->Matches(*pending_key_) || cert->CommonName() != options_.agent_id) {
    return Status::InvalidArgument("the certificate received is not for this agent's new key and id");
  }
  auto root_pem = ReadSmallFile(options_.ca_file);
  auto root = root_pem.ok() ? crypto::Certificate::FromPem(*root_pem) : Result<crypto::Certificate>(root_pem.status());
  if (!root.ok()) return Status::FailedPrecondition("the pinned CA: " + root.status().message());
  std::vector<crypto::Certificate> intermediates;
  if (!chain_pem.empty()) {
    auto chain = crypto::Certificate::ChainFromPem(chain_pem);
    if (chain.ok()) intermediates = std::move(chain).value();
  }
  if (Status s = crypto::VerifyChain(*cert, intermediates, *root); !s.ok()) {
    return Status::InvalidArgument("the certificate received is not from the pinned CA: " + s.message());
  }
  if (Status s = WriteFileAtomically(options_.identity_file, pending_key_->ToPem() + cert->ToPem(), 0600); !s.ok()) {
    return s;
  }
  auto installed = ReadIdentityCertificate(options_.identity_file);
  if (!installed.ok()) return installed.status();
  current_ = *installed;
  return Status::Ok();
}

}  // namespace ferry::agent
