#pragma once
// The generic signed webhook (kind: webhook), for any CRM or middleware
// that can send an HTTPS POST with an HMAC signature:
//
//   POST /inbound/v1/<channel>
//   Content-Type: application/json
//   X-Ferry-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">
//   X-Ferry-Object: Opportunity                      the CRM object
//   X-Ferry-Record-Id: 0065g00000FERRYAAA            the record's id in the CRM
//   X-Ferry-Delivery: <the sender's id for this notification>   (optional)
//
//   {...the record, a JSON object...}
//
// The body is kept as sent (its numbers are not read as binary floating
// point on the way); it must be a JSON object at most 32 levels deep.
// The signature is the one Ferry's own webhooks carry (docs/connectors.md
// #signature), with the channel's secret; it must be at most `tolerance`
// old. Answered 202 with {"commands": ["<command id>"]} once committed.
//
//   - name: orders
//     kind: webhook
//     crm: salesforce
//     secret_file: /etc/ferry/inbound-orders.secret   # read at each request: rotates without a restart
//     tolerance: 5m
//     agents: { sap: S4P }

#include <chrono>
#include <filesystem>

#include "controlplane/down/inbound_channel.h"

namespace ferry::controlplane {

class SignedWebhookChannel : public InboundChannel {
 public:
  SignedWebhookChannel(std::filesystem::path secret_file, std::chrono::seconds tolerance)
      : secret_file_(std::move(secret_file)), tolerance_(tolerance) {}

  Result<InboundNotification> Read(const http::Request& req, int64_t now_unix_ms) const override;
  http::Response Accepted(const http::Request& req, const std::vector<std::string>& command_ids) const override;

 private:
  std::filesystem::path secret_file_;
  std::chrono::seconds tolerance_;
};

InboundChannelFactory SignedWebhookChannelFactory();

// 202 with {"commands": [ids]}: the signed webhook's answer once its
// records are committed, and that of any channel whose sender only needs
// a 2xx (the Dataverse webhook).
http::Response CommandsAccepted(const http::Request& req, const std::vector<std::string>& command_ids);

}  // namespace ferry::controlplane
