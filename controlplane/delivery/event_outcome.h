#pragma once
// EventOutcome: what a connector learns about one event while it sends the
// event's records, possibly over several requests, folded into the one
// DeliveryResult the engine gets. A retry wins over a rejection (the event
// is sent again whole); the first reason of the winning kind is kept.

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

#include "controlplane/delivery/connector.h"

namespace ferry::controlplane {

struct EventOutcome {
  bool retry = false;
  std::optional<std::chrono::milliseconds> retry_after;
  bool rejected = false;
  std::string reason;
  std::string record_id;  // the target's id of the event's first record

  bool failed() const { return retry || rejected; }
  void Retry(std::string why, std::optional<std::chrono::milliseconds> after) {
    if (!retry) reason = std::move(why);
    retry = true;
    if (after) retry_after = std::max(retry_after.value_or(std::chrono::milliseconds(0)), *after);
  }
  void Reject(std::string why) {
    if (!rejected && !retry) reason = std::move(why);
    rejected = true;
  }
  DeliveryResult ToResult() && {
    if (retry) return DeliveryResult::Retry(std::move(reason), retry_after);
    if (rejected) return DeliveryResult::Rejected(std::move(reason));
    return DeliveryResult::Delivered(std::move(record_id));
  }
};

}  // namespace ferry::controlplane
