#pragma once
// API tokens for scripts: sent as `Authorization: Bearer ferry_<id>_<secret>`
// instead of a session cookie (and so without a CSRF token: a browser never
// sends it by itself). The id is 8 random bytes, the secret 32, both hex;
// only the secret's SHA-256 is stored ("console.tokens"), compared in
// constant time. A token has a role like a user, may expire, and is
// revoked by deleting it. Tokens are made and revoked by admins
// (`ferry-controlplane tokens`, or the API), each audited.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/store/store.h"
#include "ferry/v1/event.pb.h"

namespace ferry::controlplane {

class ApiTokens {
 public:
  static constexpr const char* kDb = "console.tokens";

  explicit ApiTokens(store::Store& store) : store_(store) {}

  // A new token; its text, to be shown once. InvalidArgument for a name
  // that is not 1-64 of A-Z a-z 0-9 . _ - or an unspecified role.
  Result<std::string> Create(const std::string& name, ferry::v1::ConsoleUser::Role role, int64_t expires_unix_ms,
                             const std::string& created_by, ferry::v1::ApiToken* made = nullptr);
  // The token `text` names, if it is one of ours, unexpired at `now`;
  // Unauthenticated otherwise (one message for every reason).
  Result<ferry::v1::ApiToken> Verify(std::string_view text, int64_t now_unix_ms) const;
  Result<std::vector<ferry::v1::ApiToken>> List() const;  // by id
  Status Revoke(const std::string& id);                   // NotFound: no such token

 private:
  store::Store& store_;
};

}  // namespace ferry::controlplane
