#pragma once
// What enrollment leaves under <data_dir>/identity/ (mode 0700), and what
// the agent reads from there at every start, so that its configuration
// needs no hand-copied keys:
//
//   agent.pem        the private key and the client certificate (0600)
//   ca.crt           the control plane's CA chain: trusts the broker
//   bundle.pub       the control plane's bundle-signing public key (if any)
//   enrollment.json  {"agent_id", "broker_urls": [...], "labels": {...}}
//
// Every file is replaced whole (write, flush, rename), agent.pem last, so a
// crash mid-way leaves the old identity or the new one.

#include <boost/json/object.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace ferry::agent {

struct Enrollment {
  std::string agent_id;
  std::vector<std::string> broker_urls;
  std::map<std::string, std::string> labels;
};

struct EnrollmentPaths {
  std::filesystem::path dir;
  std::filesystem::path identity;  // agent.pem
  std::filesystem::path ca;
  std::filesystem::path bundle_key;
  std::filesystem::path manifest;  // enrollment.json
};

// The broker URLs and labels of an enrollment answer or manifest; entries
// that are not strings are left out.
Enrollment EnrollmentFromJson(const boost::json::object& o);

EnrollmentPaths EnrollmentPathsIn(const std::filesystem::path& data_dir);

// The agent's enrollment; nullopt when it never enrolled. InvalidArgument
// when enrollment.json is there but damaged.
Result<std::optional<Enrollment>> ReadEnrollment(const std::filesystem::path& data_dir);

// The enrolled certificate's serial and end (unix ms); NotFound when the
// agent has none.
struct IdentityCertificate {
  std::string serial;
  int64_t issued_unix_ms = 0;  // the start of its life (notBefore without the backdating)
  int64_t not_after_unix_ms = 0;
  // Whether the status commands warn about its end (common/fleet/certificate_timing.h).
  bool Expiring(int64_t now_unix_ms) const;
};
Result<IdentityCertificate> ReadIdentityCertificate(const std::filesystem::path& identity_file);

// Writes a complete enrollment: key and certificate PEM, CA chain, bundle
// key (empty: none) and the manifest.
Status WriteEnrollment(const std::filesystem::path& data_dir, const Enrollment& enrollment,
                       const std::string& identity_pem, const std::string& ca_chain_pem,
                       const std::string& bundle_public_key_pem);

}  // namespace ferry::agent
