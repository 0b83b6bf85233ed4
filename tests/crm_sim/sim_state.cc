#include "tests/crm_sim/sim_state.h"

#include <algorithm>
#include <chrono>
#include <limits>

namespace ferry::crm_sim {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Result<int64_t> IntSetting(std::string_view key, const boost::json::value& value, int64_t min, int64_t max) {
  if (!value.is_int64() || value.get_int64() < min || value.get_int64() > max) {
    return Status::InvalidArgument(std::string(key) + " must be an integer from " + std::to_string(min) + " to " +
                                   std::to_string(max));
  }
  return value.get_int64();
}

Result<Fault> ParseFault(const boost::json::object& request) {
  Fault fault;
  for (const auto& [key, value] : request) {
    if (key == "vendor") continue;
    if (key == "status" || key == "count" || key == "retry_after_s") {
      const bool status = key == "status";
      auto n = IntSetting(key, value, status ? 400 : 0, status ? 599 : 1000000000);
      if (!n.ok()) return n.status();
      (status ? fault.status : key == "count" ? fault.remaining : fault.retry_after_s) = static_cast<int>(*n);
    } else if (key == "after" && value.is_bool()) {
      fault.after = value.get_bool();
    } else if ((key == "path_contains" || key == "method" || key == "error_code" || key == "message") &&
               value.is_string()) {
      (key == "path_contains" ? fault.path_contains
       : key == "method"      ? fault.method
       : key == "error_code"  ? fault.error_code
                              : fault.message) = std::string(value.get_string());
    } else {
      return Status::InvalidArgument("unknown or badly typed fault key '" + std::string(key) + "'");
    }
  }
  return fault;
}

int64_t SlidingWindow::Count(int64_t now_ms) {
  while (!entries_.empty() && entries_.front().first + window_ms_ <= now_ms) {
    total_ -= entries_.front().second;
    entries_.pop_front();
  }
  return total_;
}

void SlidingWindow::Add(int64_t now_ms, int64_t n) {
  if (!entries_.empty() && entries_.back().first == now_ms) {
    entries_.back().second += n;
  } else {
    entries_.emplace_back(now_ms, n);
  }
  total_ += n;
}

int64_t SlidingWindow::OldestExpiry(int64_t now_ms) {
  Count(now_ms);
  return entries_.empty() ? now_ms : entries_.front().first + window_ms_;
}

ServiceProtection::Verdict ServiceProtection::Admit(int64_t now_ms, int64_t cost) {
  window_.set_window_ms(settings_.window_ms);
  if (now_ms < blocked_until_ms_) {
    // Sent before Retry-After elapsed: refused, and the wait starts again.
    blocked_until_ms_ = std::max(blocked_until_ms_, now_ms + int64_t{penalty_s_} * 1000);
    const int retry = static_cast<int>((blocked_until_ms_ - now_ms + 999) / 1000);
    return {false, retry};
  }
  if (settings_.max_per_window <= 0) return {};
  // An empty window admits any one request, so a $batch larger than the
  // limit is not refused for ever.
  const int64_t used = window_.Count(now_ms);
  if (used > 0 && used + cost > settings_.max_per_window) {
    int retry = settings_.retry_after_s;
    if (retry <= 0)
      retry = static_cast<int>(std::max<int64_t>(1, (window_.OldestExpiry(now_ms) - now_ms + 999) / 1000));
    penalty_s_ = retry;
    blocked_until_ms_ = now_ms + int64_t{retry} * 1000;
    return {false, retry};
  }
  window_.Add(now_ms, cost);
  return {};
}

int64_t ServiceProtection::Remaining(int64_t now_ms) {
  if (settings_.max_per_window <= 0) return -1;
  window_.set_window_ms(settings_.window_ms);
  return std::max<int64_t>(0, settings_.max_per_window - window_.Count(now_ms));
}

VendorState::VendorState(std::string client_id, std::string client_secret, int token_ttl_s)
    : client_id_(std::move(client_id)), client_secret_(std::move(client_secret)), token_ttl_s_(token_ttl_s) {}

Result<bool> VendorState::ApplySetting(std::string_view key, const boost::json::value& value) {
  if (key == "client_id" || key == "client_secret") {
    if (!value.is_string()) return Status::InvalidArgument(std::string(key) + " must be a string");
    (key == "client_id" ? client_id_ : client_secret_) = std::string(value.get_string());
    return true;
  }
  if (key == "violation_grace_ms") {
    auto n = IntSetting(key, value, 0, 3600 * 1000);
    if (!n.ok()) return n.status();
    violation_grace_ms_ = *n;
    return true;
  }
  if (key == "token_ttl_s" || key == "latency_ms") {
    auto n = IntSetting(key, value, key == "token_ttl_s" ? 1 : 0, 24 * 3600 * 1000);
    if (!n.ok()) return n.status();
    (key == "token_ttl_s" ? token_ttl_s_ : latency_ms_) = static_cast<int>(*n);
    return true;
  }
  return false;
}

void VendorState::NoteRequest(int64_t now_ms) {
  if (now_ms < retry_after_until_ms_ && now_ms >= retry_after_at_ms_ + violation_grace_ms_) ++throttle_violations_;
}

void VendorState::NoteRetryAfter(int64_t now_ms, int seconds) {
  // A refusal that is itself a violation does not restart the grace.
  if (now_ms >= retry_after_until_ms_) retry_after_at_ms_ = now_ms;
  retry_after_until_ms_ = std::max(retry_after_until_ms_, now_ms + int64_t{seconds} * 1000);
}

void VendorState::AddToken(std::string token) {
  tokens_[std::move(token)] = SteadyMs() + int64_t{token_ttl_s_} * 1000;
  ++tokens_issued_;
}

VendorState::TokenCheck VendorState::CheckToken(const std::string& token) const {
  auto it = tokens_.find(token);
  if (it == tokens_.end()) return TokenCheck::kUnknown;
  return SteadyMs() < it->second ? TokenCheck::kValid : TokenCheck::kExpired;
}

void VendorState::ExpireTokens() {
  const int64_t now = SteadyMs();
  for (auto& [token, expiry] : tokens_) expiry = std::min(expiry, now);
}

std::optional<Fault> VendorState::TakeFault(std::string_view method, std::string_view path) {
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (it->remaining <= 0 || path.find(it->path_contains) == std::string_view::npos) continue;
    if (!it->method.empty() && it->method != method) continue;
    Fault fault = *it;
    if (--it->remaining <= 0) faults_.erase(it);
    return fault;
  }
  return std::nullopt;
}

void VendorState::CountResponse(int status) {
  ++requests_;
  ++by_status_[status];
}

boost::json::object VendorState::Stats() const {
  boost::json::object by_status;
  for (const auto& [status, n] : by_status_) by_status[std::to_string(status)] = n;
  return {{"requests", requests_},
          {"by_status", std::move(by_status)},
          {"tokens_issued", tokens_issued_},
          {"throttle_violations", throttle_violations_},
          {"batches", batches_},
          {"operations", operations_},
          {"faults_pending", faults_.size()}};
}

}  // namespace ferry::crm_sim
