#include "controlplane/console/console_users.h"

#include "common/store/proto_records.h"
#include "common/util/clock.h"
#include "common/util/utf8.h"

namespace ferry::controlplane {
namespace {

using ferry::v1::ConsoleUser;

Status CheckName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 64;
  for (char c : name) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                c == '@' || c == '-');
  }
  if (!ok) return Status::InvalidArgument("user name: 1 to 64 of the letters A-Z a-z, digits and . _ @ -");
  return Status::Ok();
}

Status CheckPassword(std::string_view password) {
  if (password.size() > ConsoleUsers::kMaxPasswordBytes) {
    return Status::InvalidArgument("password: at most 1024 bytes");
  }
  if (!IsValidUtf8(password)) return Status::InvalidArgument("password: not UTF-8");
  size_t chars = 0;
  for (unsigned char c : password) {
    if (c < 0x20 || c == 0x7f) return Status::InvalidArgument("password: no control characters");
    if ((c & 0xc0) != 0x80) ++chars;  // count code points, not bytes
  }
  if (chars < ConsoleUsers::kMinPasswordChars) return Status::InvalidArgument("password: at least 12 characters");
  return Status::Ok();
}

Status SetHash(ConsoleUser& user, std::string_view password, const crypto::ScryptCost& cost) {
  auto hash = crypto::HashPassword(password, cost);
  if (!hash.ok()) return hash.status();
  user.set_password_salt(hash->salt);
  user.set_password_hash(hash->hash);
  user.set_scrypt_log2_n(hash->cost.log2_n);
  user.set_scrypt_r(hash->cost.r);
  user.set_scrypt_p(hash->cost.p);
  user.set_password_changed_unix_ms(NowUnixMs());
  return Status::Ok();
}

crypto::PasswordHash StoredHash(const ConsoleUser& user) {
  return {user.password_salt(), user.password_hash(), {user.scrypt_log2_n(), user.scrypt_r(), user.scrypt_p()}};
}

}  // namespace

std::optional<ConsoleRole> ParseConsoleRole(std::string_view text) {
  if (text == "viewer") return ConsoleUser::VIEWER;
  if (text == "operator") return ConsoleUser::OPERATOR;
  if (text == "admin") return ConsoleUser::ADMIN;
  return std::nullopt;
}

const char* ConsoleRoleName(ConsoleRole role) {
  switch (role) {
    case ConsoleUser::VIEWER:
      return "viewer";
    case ConsoleUser::OPERATOR:
      return "operator";
    case ConsoleUser::ADMIN:
      return "admin";
    default:
      return "none";
  }
}

Status ConsoleUsers::Add(const std::string& name, ConsoleRole role, std::string_view password) {
  if (Status s = CheckName(name); !s.ok()) return s;
  if (role == ConsoleUser::ROLE_UNSPECIFIED) return Status::InvalidArgument("role: viewer, operator or admin");
  if (Status s = CheckPassword(password); !s.ok()) return s;
  // Hashed outside the write transaction: it takes tens of milliseconds.
  ConsoleUser user;
  user.set_name(name);
  user.set_role(role);
  user.set_created_unix_ms(NowUnixMs());
  if (Status s = SetHash(user, password, cost_); !s.ok()) return s;
  return store_.WriteSync([&](store::WriteTxn& txn) {
    ConsoleUser existing;
    Status read = store::ReadProto(txn.txn(), store_.Db(kDb), name, existing, "user " + name);
    if (read.ok()) return Status::AlreadyExists("user " + name + " exists");
    if (read.code() != StatusCode::kNotFound) return read;
    return store::WriteProto(txn.txn(), store_.Db(kDb), name, user, "user " + name);
  });
}

Status ConsoleUsers::SetPassword(const std::string& name, std::string_view password) {
  if (Status s = CheckPassword(password); !s.ok()) return s;
  ConsoleUser fresh;
  if (Status s = SetHash(fresh, password, cost_); !s.ok()) return s;
  return store_.WriteSync([&](store::WriteTxn& txn) {
    ConsoleUser user;
    if (Status s = store::ReadProto(txn.txn(), store_.Db(kDb), name, user, "user " + name); !s.ok()) return s;
    user.set_password_salt(fresh.password_salt());
    user.set_password_hash(fresh.password_hash());
    user.set_scrypt_log2_n(fresh.scrypt_log2_n());
    user.set_scrypt_r(fresh.scrypt_r());
    user.set_scrypt_p(fresh.scrypt_p());
    user.set_password_changed_unix_ms(fresh.password_changed_unix_ms());
    return store::WriteProto(txn.txn(), store_.Db(kDb), name, user, "user " + name);
  });
}

Status ConsoleUsers::SetRole(const std::string& name, ConsoleRole role) {
  if (role == ConsoleUser::ROLE_UNSPECIFIED) return Status::InvalidArgument("role: viewer, operator or admin");
  return store_.WriteSync([&](store::WriteTxn& txn) {
    ConsoleUser user;
    if (Status s = store::ReadProto(txn.txn(), store_.Db(kDb), name, user, "user " + name); !s.ok()) return s;
    user.set_role(role);
    return store::WriteProto(txn.txn(), store_.Db(kDb), name, user, "user " + name);
  });
}

Status ConsoleUsers::Remove(const std::string& name) {
  return store_.WriteSync([&](store::WriteTxn& txn) {
    MDB_val key{name.size(), const_cast<char*>(name.data())};
    const int rc = mdb_del(txn.txn(), store_.Db(kDb), &key, nullptr);
    if (rc == MDB_NOTFOUND) return Status::NotFound("user " + name + " not found");
    if (rc != MDB_SUCCESS) return store::LmdbStatus(rc, "delete user " + name);
    return Status::Ok();
  });
}

Result<std::vector<ConsoleUser>> ConsoleUsers::List() const { return store::ReadAllProtos<ConsoleUser>(store_, kDb); }

Result<ConsoleUser> ConsoleUsers::Authenticate(const std::string& name, std::string_view password) const {
  const Status refused = Status::Unauthenticated("wrong user name or password");
  ConsoleUser user;
  bool found = false;
  if (store::Declared(store_, kDb) && CheckName(name).ok() && password.size() <= kMaxPasswordBytes) {
    store::ReadTxn read = store_.BeginRead();
    if (!read.ok()) return Status::Unavailable("cannot begin a read transaction");
    Status s = store::ReadProto(read.txn(), store_.Db(kDb), name, user, "user " + name);
    if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
    found = s.ok();
  }
  if (!found) {
    // The same scrypt work as for a real user, so timing does not tell who
    // exists.
    (void)crypto::HashPassword(password.substr(0, kMaxPasswordBytes), cost_);
    return refused;
  }
  if (!crypto::VerifyPassword(password, StoredHash(user))) return refused;
  return user;
}

}  // namespace ferry::controlplane
