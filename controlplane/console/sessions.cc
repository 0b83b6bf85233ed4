#include "controlplane/console/sessions.h"

#include "common/crypto/ed25519.h"
#include "common/crypto/random.h"

namespace ferry::controlplane {
using crypto::RandomHex;

bool Sessions::Ended(const Session& s, Clock::time_point now) const {
  return now - s.started >= lifetime_ || now - s.last_used >= idle_;
}

std::pair<std::string, Session> Sessions::Open(const std::string& user, ferry::v1::ConsoleUser::Role role,
                                               Clock::time_point now) {
  if (sessions_.size() >= max_sessions_) {
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      it = Ended(it->second, now) ? sessions_.erase(it) : std::next(it);
    }
  }
  if (sessions_.size() >= max_sessions_) {
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second.last_used < oldest->second.last_used) oldest = it;
    }
    sessions_.erase(oldest);
  }
  Session session{user, role, RandomHex(32), now, now};
  std::string id = RandomHex(32);
  sessions_[crypto::Sha256Hex(id)] = session;
  return {std::move(id), std::move(session)};
}

std::optional<Session> Sessions::Find(std::string_view id, Clock::time_point now) {
  if (id.size() != 64) return std::nullopt;
  auto it = sessions_.find(crypto::Sha256Hex(id));
  if (it == sessions_.end()) return std::nullopt;
  if (Ended(it->second, now)) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_used = now;
  return it->second;
}

bool Sessions::Alive(std::string_view id, Clock::time_point now) const {
  if (id.size() != 64) return false;
  auto it = sessions_.find(crypto::Sha256Hex(id));
  return it != sessions_.end() && !Ended(it->second, now);
}

void Sessions::Close(std::string_view id) { sessions_.erase(crypto::Sha256Hex(id)); }

void Sessions::CloseUser(const std::string& user) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = it->second.user == user ? sessions_.erase(it) : std::next(it);
  }
}

}  // namespace ferry::controlplane
