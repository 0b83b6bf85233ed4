#pragma once
// The console's local users: a name, a role and a scrypt password hash, in
// the control plane's store ("console.users"). Shared by the daemon (sign-in)
// and the `users` commands, which open the same store.
//
// Roles are ordered: a viewer reads; an operator also replays, discards and
// deploys; an admin also manages users, agents and alert rules.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/password_hash.h"
#include "common/status.h"
#include "common/store/store.h"
#include "ferry/v1/event.pb.h"

namespace ferry::controlplane {

using ConsoleRole = ferry::v1::ConsoleUser::Role;

// "viewer", "operator", "admin"; nullopt for anything else.
std::optional<ConsoleRole> ParseConsoleRole(std::string_view text);
const char* ConsoleRoleName(ConsoleRole role);

class ConsoleUsers {
 public:
  static constexpr const char* kDb = "console.users";
  static constexpr size_t kMinPasswordChars = 12;
  static constexpr size_t kMaxPasswordBytes = 1024;

  explicit ConsoleUsers(store::Store& store, crypto::ScryptCost cost = {}) : store_(store), cost_(cost) {}

  // InvalidArgument for a bad name (1-64 of A-Z a-z 0-9 . _ @ -), role or
  // password (at least 12 characters, at most 1 KiB, UTF-8 without control
  // characters); AlreadyExists when the name is taken.
  Status Add(const std::string& name, ConsoleRole role, std::string_view password);
  Status SetPassword(const std::string& name, std::string_view password);  // NotFound: no such user
  Status SetRole(const std::string& name, ConsoleRole role);               // NotFound: no such user
  Status Remove(const std::string& name);                                  // NotFound: no such user
  Result<std::vector<ferry::v1::ConsoleUser>> List() const;                // by name

  // The user when `password` is theirs; Unauthenticated otherwise, with the
  // same message and about the same time for an unknown name as for a wrong
  // password.
  Result<ferry::v1::ConsoleUser> Authenticate(const std::string& name, std::string_view password) const;

 private:
  store::Store& store_;
  crypto::ScryptCost cost_;
};

}  // namespace ferry::controlplane
