#pragma once
// The one-time token that enrolls an agent:
//
//   ferry1:<agent id>:<secret>:<CA fingerprint>
//
// The secret is 32 random bytes in hex; the control plane keeps only its
// SHA-256. The fingerprint (SHA-256 of the control plane's root CA
// certificate, hex) lets the agent check, before it sends anything, that the
// control plane it reached is the one that made the token: a man in the
// middle cannot present that CA.

#include <string>
#include <string_view>

#include "common/status.h"

namespace ferry::fleet {

struct EnrollmentToken {
  std::string agent_id;
  std::string secret;          // 64 hex digits
  std::string ca_fingerprint;  // 64 hex digits

  static EnrollmentToken New(std::string agent_id, std::string ca_fingerprint);
  // InvalidArgument saying which part is wrong; never echoes the secret.
  static Result<EnrollmentToken> Parse(std::string_view text);
  std::string Format() const;
  // SHA-256 of the secret, raw bytes: what the control plane stores.
  std::string SecretHash() const;
};

// Whether two byte strings are equal, in time that does not depend on where
// they differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace ferry::fleet
