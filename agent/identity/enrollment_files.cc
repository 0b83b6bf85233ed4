#include "agent/identity/enrollment_files.h"

#include <sys/stat.h>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>

#include "common/crypto/x509.h"
#include "common/fleet/certificate_timing.h"
#include "common/transport/topics.h"
#include "common/util/files.h"

namespace ferry::agent {

EnrollmentPaths EnrollmentPathsIn(const std::filesystem::path& data_dir) {
  const std::filesystem::path dir = data_dir / "identity";
  return {dir, dir / "agent.pem", dir / "ca.crt", dir / "bundle.pub", dir / "enrollment.json"};
}

Enrollment EnrollmentFromJson(const boost::json::object& o) {
  Enrollment e;
  if (const auto* urls = o.if_contains("broker_urls"); urls != nullptr && urls->is_array()) {
    for (const auto& url : urls->as_array()) {
      if (url.is_string()) e.broker_urls.emplace_back(url.as_string());
    }
  }
  if (const auto* labels = o.if_contains("labels"); labels != nullptr && labels->is_object()) {
    for (const auto& [k, val] : labels->as_object()) {
      if (val.is_string()) e.labels[std::string(k)] = std::string(val.as_string());
    }
  }
  return e;
}

Result<std::optional<Enrollment>> ReadEnrollment(const std::filesystem::path& data_dir) {
  const EnrollmentPaths paths = EnrollmentPathsIn(data_dir);
  auto text = ReadSmallFile(paths.manifest, 64 << 10);
  if (!text.ok() && text.status().code() == StatusCode::kNotFound) return std::optional<Enrollment>();
  if (!text.ok()) return text.status();
  const std::string where = paths.manifest.string() + ": ";
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(*text, ec);
  if (ec || !v.is_object()) return Status::InvalidArgument(where + "not a JSON object; enroll again");
  const boost::json::object& o = v.as_object();
  Enrollment e = EnrollmentFromJson(o);
  if (const auto* id = o.if_contains("agent_id"); id != nullptr && id->is_string()) e.agent_id = id->as_string();
  if (!transport::topics::IsValidAgentId(e.agent_id)) return Status::InvalidArgument(where + "no valid agent_id");
  return std::optional<Enrollment>(std::move(e));
}

Result<IdentityCertificate> ReadIdentityCertificate(const std::filesystem::path& identity_file) {
  if (identity_file.empty()) return Status::NotFound("the agent is not enrolled");
  auto pem = ReadSmallFile(identity_file);
  if (!pem.ok()) return pem.status();
  auto cert = crypto::Certificate::FromPem(*pem);
  if (!cert.ok()) return Status::DataLoss(identity_file.string() + ": " + cert.status().message());
  const int64_t not_before = cert->NotBeforeUnix() * 1000;
  const int64_t not_after = cert->NotAfterUnix() * 1000;
  const int64_t backdate = std::chrono::duration_cast<std::chrono::milliseconds>(crypto::kValidityBackdate).count();
  return IdentityCertificate{cert->SerialHex(), std::min(not_before + backdate, not_after), not_after};
}

bool IdentityCertificate::Expiring(int64_t now_unix_ms) const {
  return now_unix_ms >= fleet::WarnFromUnixMs(issued_unix_ms, not_after_unix_ms);
}

Status WriteEnrollment(const std::filesystem::path& data_dir, const Enrollment& enrollment,
                       const std::string& identity_pem, const std::string& ca_chain_pem,
                       const std::string& bundle_public_key_pem) {
  const EnrollmentPaths paths = EnrollmentPathsIn(data_dir);
  std::error_code ec;
  std::filesystem::create_directories(paths.dir, ec);
  if (ec) return Status::FailedPrecondition("cannot create " + paths.dir.string() + ": " + ec.message());
  if (::chmod(paths.dir.c_str(), 0700) != 0) {
    return Status::FailedPrecondition("cannot set mode 0700 on " + paths.dir.string());
  }
  boost::json::array urls;
  for (const auto& url : enrollment.broker_urls) urls.push_back(boost::json::string(url));
  boost::json::object labels;
  for (const auto& [k, v] : enrollment.labels) labels[k] = v;
  const std::string manifest = boost::json::serialize(boost::json::object{
      {"agent_id", enrollment.agent_id}, {"broker_urls", std::move(urls)}, {"labels", std::move(labels)}});
  if (Status s = WriteFileAtomically(paths.ca, ca_chain_pem, 0644); !s.ok()) return s;
  if (bundle_public_key_pem.empty()) {
    std::filesystem::remove(paths.bundle_key, ec);
  } else if (Status s = WriteFileAtomically(paths.bundle_key, bundle_public_key_pem, 0644); !s.ok()) {
    return s;
  }
  if (Status s = WriteFileAtomically(paths.manifest, manifest + "\n", 0644); !s.ok()) return s;
  return WriteFileAtomically(paths.identity, identity_pem, 0600);
}

}  // namespace ferry::agent
