#pragma once
// What every simulated vendor keeps besides its records: the OAuth client
// and the tokens issued to it, injected faults, request-rate windows and the
// counters of GET /_sim/stats. Times are steady-clock milliseconds.

#include <boost/json.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "common/status.h"

namespace ferry::crm_sim {

int64_t SteadyMs();

// POST /_sim/faults: the next `remaining` requests of a vendor whose path
// contains `path_contains` answer `status` with the vendor's error body.
struct Fault {
  int status = 503;
  int remaining = 1;
  std::string path_contains;
  std::string method;      // empty: any
  int retry_after_s = 0;   // > 0: sent as Retry-After
  std::string error_code;  // empty: the vendor's usual code for `status`
  std::string message;     // empty: the vendor's usual message
  // The request is carried out first, and only its answer is the fault: a
  // write that happened though the client never heard (a gateway timeout
  // after the backend committed).
  bool after = false;
};
Result<Fault> ParseFault(const boost::json::object& request);

// Counts over a sliding window of `window_ms`.
class SlidingWindow {
 public:
  void set_window_ms(int64_t window_ms) { window_ms_ = window_ms; }
  int64_t Count(int64_t now_ms);
  void Add(int64_t now_ms, int64_t n);
  // When the oldest entry leaves the window (now when empty).
  int64_t OldestExpiry(int64_t now_ms);
  void Clear() { entries_.clear(), total_ = 0; }

 private:
  int64_t window_ms_ = 1000;
  std::deque<std::pair<int64_t, int64_t>> entries_;
  int64_t total_ = 0;
};

// Dataverse-style service protection: at most `max_per_window` requests per
// sliding window; beyond it 429 with Retry-After, and a client that sends
// again before Retry-After has elapsed is refused again and its wait
// extended (VendorState counts the violation).
class ServiceProtection {
 public:
  struct Settings {
    int64_t max_per_window = 0;  // 0: unlimited
    int64_t window_ms = 300000;
    int retry_after_s = 0;  // 0: until the window has room again
  };
  struct Verdict {
    bool admitted = true;
    int retry_after_s = 0;
  };

  Verdict Admit(int64_t now_ms, int64_t cost);
  // Requests left in the window (for a rate-limit header); -1 when unlimited.
  int64_t Remaining(int64_t now_ms);
  Settings& settings() { return settings_; }
  const Settings& settings() const { return settings_; }
  void Reset() { *this = ServiceProtection(); }

 private:
  Settings settings_;
  SlidingWindow window_;
  int64_t blocked_until_ms_ = 0;
  int penalty_s_ = 0;
};

class VendorState {
 public:
  VendorState(std::string client_id, std::string client_secret, int token_ttl_s);

  // Keys every vendor takes in POST /_sim/config: client_id, client_secret,
  // token_ttl_s, latency_ms, violation_grace_ms. False when `key` is not one
  // of them.
  Result<bool> ApplySetting(std::string_view key, const boost::json::value& value);
  const std::string& client_id() const { return client_id_; }
  const std::string& client_secret() const { return client_secret_; }
  int token_ttl_s() const { return token_ttl_s_; }
  int latency_ms() const { return latency_ms_; }
  void set_latency_ms(int ms) { latency_ms_ = ms; }

  enum class TokenCheck { kValid, kExpired, kUnknown };
  // Stores `token`, valid for token_ttl_s from now.
  void AddToken(std::string token);
  TokenCheck CheckToken(const std::string& token) const;
  void ExpireTokens();

  void AddFault(Fault fault) { faults_.push_back(std::move(fault)); }
  void ClearFaults() { faults_.clear(); }
  // The first fault that matches `method` and `path`, used up by one.
  std::optional<Fault> TakeFault(std::string_view method, std::string_view path);

  // Retry-After, for every vendor: a request that arrives while the
  // Retry-After of an earlier 429/503 runs counts as a throttle violation,
  // unless it arrives within violation_grace_ms of that answer (it may have
  // been in flight already).
  void NoteRequest(int64_t now_ms);
  void NoteRetryAfter(int64_t now_ms, int seconds);

  void CountResponse(int status);
  void CountBatch() { ++batches_; }
  void CountOperations(int64_t n) { operations_ += n; }
  // requests, by_status, tokens_issued, throttle_violations, batches, operations.
  boost::json::object Stats() const;

 private:
  std::string client_id_;
  std::string client_secret_;
  int token_ttl_s_;
  int latency_ms_ = 0;
  int64_t violation_grace_ms_ = 0;
  int64_t retry_after_at_ms_ = 0;
  int64_t retry_after_until_ms_ = 0;
  std::unordered_map<std::string, int64_t> tokens_;  // token → expiry
  std::deque<Fault> faults_;
  uint64_t requests_ = 0;
  std::map<int, uint64_t> by_status_;
  uint64_t tokens_issued_ = 0;
  uint64_t throttle_violations_ = 0;
  uint64_t batches_ = 0;
  uint64_t operations_ = 0;
};

// An integer setting in [min, max], or InvalidArgument naming `key`.
Result<int64_t> IntSetting(std::string_view key, const boost::json::value& value, int64_t min, int64_t max);

}  // namespace ferry::crm_sim
