#pragma once
// How many enrollment attempts are let through: token buckets, one for all
// clients together (what the CA's CPU can take) and one per client address
// (so one client cannot use up everyone's share). Each holds a minute's
// worth and refills evenly. At most kMaxClients addresses are tracked; past
// that, a new address meets only the shared bucket (buckets that have
// refilled are forgotten first).

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/http/http_server.h"

namespace ferry::controlplane {

class AttemptLimiter {
 public:
  static constexpr size_t kMaxClients = 4096;
  using Clock = std::chrono::steady_clock;

  AttemptLimiter(int per_minute, int per_client_per_minute);
  // Whether `client` (an address) may make an attempt at `now`; takes it.
  bool Take(const std::string& client, Clock::time_point now);

  // For an HTTP listener's head check: nullopt when `peer` may make the
  // attempt `head` is; else the 429 (Retry-After: 60) saying `refusal`,
  // with the refusal logged as `event` outcome=rate_limited (the first,
  // then every power of two, so a flood cannot flood the log).
  std::optional<http::Response> Admit(const http::Request& head, const boost::asio::ip::address& peer,
                                      const char* event, const std::string& refusal);

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point filled_at;
  };
  static bool Take(Bucket& bucket, double per_minute, Clock::time_point now);
  static void Refill(Bucket& bucket, double per_minute, Clock::time_point now);

  double per_minute_;
  double per_client_per_minute_;
  Bucket all_;
  std::unordered_map<std::string, Bucket> clients_;
  uint64_t refused_ = 0;
};

}  // namespace ferry::controlplane
