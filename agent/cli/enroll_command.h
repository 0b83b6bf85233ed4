#pragma once
// `ferry-agent enroll --token T --url https://cp.example.com:8443`: the
// agent's first contact with its control plane (docs/fleet-security.md).
//
// 1. Fetches the control plane's CA chain and checks it against the CA
//    fingerprint in the token: a listener that cannot show that CA is not
//    the control plane that made the token, and is told nothing.
// 2. Makes the agent's private key here (it never leaves the host) and a
//    certificate request, and sends it with the token over TLS verified
//    against that CA.
// 3. Checks the certificate it gets (its key, its name, its CA) and writes
//    the identity under <data_dir>/identity (enrollment_files.h), owned by
//    the data folder's owner when run as root.
//
// The outbox and everything else in the data folder stay as they are: an
// agent enrolling again keeps its buffered events.

#include <string>

namespace ferry::agent {

// Exit codes (README.md "Exit codes").
inline constexpr int kEnrollExitOk = 0;
inline constexpr int kEnrollExitFailure = 1;        // files, an unexpected answer
inline constexpr int kEnrollExitInput = 2;          // config, token or URL malformed
inline constexpr int kEnrollExitTokenUsed = 10;     // the token was used already
inline constexpr int kEnrollExitTokenExpired = 11;  // the token expired
inline constexpr int kEnrollExitTokenInvalid = 12;  // wrong or unknown token, or the agent is revoked
inline constexpr int kEnrollExitWrongServer = 13;   // the CA does not match the token: not our control plane
inline constexpr int kEnrollExitUnreachable = 14;   // cannot connect, or too many attempts: retry later

struct EnrollOptions {
  std::string config_path;
  std::string token;
  std::string token_file;  // instead of `token`: a file, or "-" for standard input
  std::string url;         // https://host:port of the enrollment listener
};

int Enroll(const EnrollOptions& options);

}  // namespace ferry::agent
