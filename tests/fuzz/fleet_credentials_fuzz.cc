// Fuzz target: what crosses the enrollment boundary. The control plane
// parses a token and a certificate request from anyone who reaches its
// enrollment listener; the agent parses a CA chain and a certificate from
// whatever answers at the URL it was given. Input: the first byte picks the
// parser, the rest is its text.
//
// Properties beyond "no crash": a token that parses formats back to the same
// text, and a request that parses has a signature that verified, so its
// common name is readable.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/crypto/x509.h"
#include "common/fleet/enrollment_token.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      auto token = ferry::fleet::EnrollmentToken::Parse(text);
      if (token.ok()) {
        auto again = ferry::fleet::EnrollmentToken::Parse(token->Format());
        if (!again.ok() || again->Format() != token->Format()) __builtin_trap();
      }
      break;
    }
    case 1: {
      auto csr = ferry::crypto::CertificateRequest::FromPem(text);
      if (csr.ok()) (void)csr->CommonName();
      break;
    }
    case 2: {
      auto chain = ferry::crypto::Certificate::ChainFromPem(text);
      if (chain.ok()) {
        for (const auto& cert : *chain) {
          (void)cert.Sha256Fingerprint();
          (void)cert.CommonName();
          (void)cert.SerialHex();
          (void)cert.NotAfterUnix();
        }
      }
      break;
    }
    default: {
      auto key = ferry::crypto::PrivateKey::FromPem(text);
      (void)key;
      break;
    }
  }
  return 0;
}
