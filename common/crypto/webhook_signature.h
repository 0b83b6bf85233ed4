#pragma once
// The X-Ferry-Signature header: "t=<unix seconds>,v1=<hex HMAC-SHA256 of
// "<t>.<body>">" (docs/connectors.md#signature). Ferry signs what it sends
// to webhooks this way, and checks what CRMs send to its inbound webhooks
// the same way (docs/down.md).

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ferry::crypto {

std::string SignWebhook(std::string_view secret, int64_t unix_seconds, std::string_view body);

// Ok when `header` signs `body` with `secret` at a time at most `tolerance`
// from `now_unix_seconds`; Unauthenticated with the reason otherwise (the
// reason never contains the secret or the expected signature). The compare
// takes the same time wherever the signatures differ.
Status CheckWebhookSignature(std::string_view header, std::string_view secret, std::string_view body,
                             int64_t now_unix_seconds, std::chrono::seconds tolerance);

}  // namespace ferry::crypto
