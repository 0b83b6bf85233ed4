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

// The HMAC of "<t>.<signed_prefix><body>".
std::string SignWebhook(std::string_view secret, int64_t unix_seconds, std::string_view body,
                        std::string_view signed_prefix = {});

// Ok when `header` signs `signed_prefix` followed by `body` with `secret`
// (the HMAC of "<t>.<signed_prefix><body>") at a time at most `tolerance`
// from `now_unix_seconds`; Unauthenticated with the reason otherwise (the
// reason never contains the secret or the expected signature). The compare
// takes the same time wherever the signatures differ.
Status CheckWebhookSignature(std::string_view header, std::string_view secret, std::string_view body,
                             int64_t now_unix_seconds, std::chrono::seconds tolerance,
                             std::string_view signed_prefix = {});

}  // namespace ferry::crypto
