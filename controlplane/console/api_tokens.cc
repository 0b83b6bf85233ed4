#include "controlplane/console/api_tokens.h"

#include <openssl/crypto.h>

#include "common/crypto/ed25519.h"
#include "common/crypto/random.h"
#include "common/store/proto_records.h"
#include "common/util/clock.h"

namespace ferry::controlplane {
namespace {

using ferry::v1::ApiToken;

constexpr std::string_view kPrefix = "ferry_";
constexpr size_t kIdChars = 16;
constexpr size_t kSecretChars = 64;

bool IsHex(std::string_view s) { return s.find_first_not_of("0123456789abcdef") == std::string_view::npos; }

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

}  // namespace

Result<std::string> ApiTokens::Create(const std::string& name, ferry::v1::ConsoleUser::Role role,
                                      int64_t expires_unix_ms, const std::string& created_by, ApiToken* made) {
  if (!ValidName(name)) return Status::InvalidArgument("a token's name is 1-64 of A-Z a-z 0-9 . _ -");
  if (role == ferry::v1::ConsoleUser::ROLE_UNSPECIFIED) return Status::InvalidArgument("a token needs a role");
  ApiToken token;
  token.set_id(crypto::RandomHex(kIdChars / 2));
  const std::string secret = crypto::RandomHex(kSecretChars / 2);
  token.set_name(name);
  token.set_role(role);
  token.set_secret_sha256(crypto::Sha256Hex(secret));
  token.set_created_unix_ms(NowUnixMs());
  token.set_expires_unix_ms(expires_unix_ms);
  token.set_created_by(created_by);
  Status s = store_.WriteSync([&](store::WriteTxn& txn) {
    return store::WriteProto(txn.txn(), store_.Db(kDb), token.id(), token, "API token " + token.id());
  });
  if (!s.ok()) return s;
  if (made) *made = token;
  return std::string(kPrefix) + token.id() + "_" + secret;
}

Result<ApiToken> ApiTokens::Verify(std::string_view text, int64_t now) const {
  const Status refused = Status::Unauthenticated("the API token is not valid");
  if (text.size() != kPrefix.size() + kIdChars + 1 + kSecretChars || text.substr(0, kPrefix.size()) != kPrefix ||
      text[kPrefix.size() + kIdChars] != '_') {
    return refused;
  }
  const std::string_view id = text.substr(kPrefix.size(), kIdChars);
  const std::string_view secret = text.substr(kPrefix.size() + kIdChars + 1);
  if (!IsHex(id) || !IsHex(secret) || !store::Declared(store_, kDb)) return refused;
  store::ReadTxn read = store_.BeginRead();
  if (!read.ok()) return Status::Unavailable("cannot begin a read transaction");
  ApiToken token;
  if (!store::ReadProto(read.txn(), store_.Db(kDb), id, token, "API token").ok()) return refused;
  const std::string presented = crypto::Sha256Hex(secret);
  if (presented.size() != token.secret_sha256().size() ||
      CRYPTO_memcmp(presented.data(), token.secret_sha256().data(), presented.size()) != 0) {
    return refused;
  }
  if (token.expires_unix_ms() != 0 && now >= token.expires_unix_ms()) return refused;
  return token;
}

Result<std::vector<ApiToken>> ApiTokens::List() const { return store::ReadAllProtos<ApiToken>(store_, kDb); }

Status ApiTokens::Revoke(const std::string& id) {
  return store_.WriteSync([&](store::WriteTxn& txn) {
    MDB_val key{id.size(), const_cast<char*>(id.data())};
    const int rc = mdb_del(txn.txn(), store_.Db(kDb), &key, nullptr);
    if (rc == MDB_NOTFOUND) return Status::NotFound("no API token " + id);
    if (rc != MDB_SUCCESS) return store::LmdbStatus(rc, "delete API token " + id);
    return Status::Ok();
  });
}

}  // namespace ferry::controlplane
