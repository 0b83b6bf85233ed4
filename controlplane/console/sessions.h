#pragma once
// Signed-in console sessions, in memory: a control plane restart signs
// everyone out. The id a browser holds (its cookie) is 32 random bytes; only
// its SHA-256 is kept, so a memory dump yields no usable cookie. A session
// ends `lifetime` after sign-in or `idle` after its last request, whichever
// comes first. At most `max_sessions` are kept: past that, ended ones are
// dropped, then the oldest.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "ferry/v1/event.pb.h"

namespace ferry::controlplane {

struct Session {
  using Clock = std::chrono::steady_clock;
  std::string user;
  ferry::v1::ConsoleUser::Role role = ferry::v1::ConsoleUser::ROLE_UNSPECIFIED;
  std::string csrf_token;  // sent back in X-CSRF-Token with every change
  Clock::time_point started;
  Clock::time_point last_used;
};

class Sessions {
 public:
  using Clock = Session::Clock;
  Sessions(std::chrono::seconds lifetime, std::chrono::seconds idle, size_t max_sessions = 10000)
      : lifetime_(lifetime), idle_(idle), max_sessions_(max_sessions) {}

  // A new session; the id for the cookie, and the session.
  std::pair<std::string, Session> Open(const std::string& user, ferry::v1::ConsoleUser::Role role,
                                       Clock::time_point now);
  // The live session with this id (and marks it used), or nullopt.
  std::optional<Session> Find(std::string_view id, Clock::time_point now);
  // Whether the session with this id is live, without marking it used (an
  // open live-update stream is not a user at work).
  bool Alive(std::string_view id, Clock::time_point now) const;
  void Close(std::string_view id);
  // Ends every session of `user` (removed, or their password or role changed).
  void CloseUser(const std::string& user);
  size_t size() const { return sessions_.size(); }

 private:
  bool Ended(const Session& s, Clock::time_point now) const;
  std::chrono::seconds lifetime_;
  std::chrono::seconds idle_;
  size_t max_sessions_;
  std::map<std::string, Session> sessions_;  // by SHA-256 of the id
};

}  // namespace ferry::controlplane
