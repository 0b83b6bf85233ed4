#include "controlplane/fleet/attempt_limiter.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/http/json_response.h"
#include "common/log/log.h"

namespace ferry::controlplane {

AttemptLimiter::AttemptLimiter(int per_minute, int per_client_per_minute)
    : per_minute_(per_minute), per_client_per_minute_(per_client_per_minute), all_{double(per_minute), Clock::now()} {}

void AttemptLimiter::Refill(Bucket& bucket, double per_minute, Clock::time_point now) {
  const double minutes = std::chrono::duration<double>(now - bucket.filled_at).count() / 60.0;
  bucket.tokens = std::min(per_minute, bucket.tokens + minutes * per_minute);
  bucket.filled_at = now;
}

bool AttemptLimiter::Take(Bucket& bucket, double per_minute, Clock::time_point now) {
  Refill(bucket, per_minute, now);
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}

bool AttemptLimiter::Take(const std::string& client, Clock::time_point now) {
  auto it = clients_.find(client);
  if (it == clients_.end()) {
    if (clients_.size() >= kMaxClients) {
      for (auto i = clients_.begin(); i != clients_.end();) {
        Refill(i->second, per_client_per_minute_, now);
        i = i->second.tokens >= per_client_per_minute_ ? clients_.erase(i) : std::next(i);
      }
    }
    if (clients_.size() < kMaxClients) {
      it = clients_.emplace(client, Bucket{per_client_per_minute_, now}).first;
    }
  }
  // The client's own share first: a client over it does not use up the
  // shared bucket.
  if (it != clients_.end()) {
    Refill(it->second, per_client_per_minute_, now);
    if (it->second.tokens < 1) return false;
  }
  if (!Take(all_, per_minute_, now)) return false;
  if (it != clients_.end()) it->second.tokens -= 1;
  return true;
}

std::optional<http::Response> AttemptLimiter::Admit(const http::Request& head, const boost::asio::ip::address& peer,
                                                    const char* event, const std::string& refusal) {
  const std::string client = peer.to_string();
  if (Take(client, Clock::now())) return std::nullopt;
  ++refused_;
  if (log::FirstOrPowerOfTwo(refused_)) {
    spdlog::warn("event={} outcome=rate_limited client={} refused_total={}", event, client, refused_);
  }
  http::Response res = http::JsonError(head, http::beast_http::status::too_many_requests, refusal);
  res.set(http::beast_http::field::retry_after, "60");
  res.keep_alive(false);
  return res;
}

}  // namespace ferry::controlplane
