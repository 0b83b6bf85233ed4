#pragma once
// The control plane's `alerts:` settings: how often the rules are evaluated
// and where notifications go. The rules themselves are kept in the store
// and changed by admins through the console or the API (alert_rules.h).
//
//   alerts:
//     evaluate_every: 15s
//     console_url: https://cp.example.com:8444   # linked from notifications; default: from console.hosts
//     webhooks:                                  # any number, by name
//       ops:
//         url: https://hooks.example.com/ferry-alerts
//         signing_secret_file: /etc/ferry/secrets/alerts-webhook  # X-Ferry-Signature, as the webhook connector
//         timeout: 10s
//         ca_file: ""
//     email:
//       url: smtp://mail.example.com:587         # smtps:// for TLS from the start
//       tls: starttls                            # starttls (required, the default) | smtps | none (only when asked)
//       from: ferry@example.com
//       to: [integration-team@example.com]
//       username: ferry                          # optional: SMTP AUTH
//       password_file: /etc/ferry/secrets/smtp-password
//       ca_file: ""                              # default: the system trust store
//       timeout: 30s

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/config/config_node.h"
#include "common/http/http_client.h"

namespace ferry::controlplane {

struct AlertWebhookOptions {
  std::string name;
  http::Url url;
  std::string url_text;
  http::HttpClientOptions client;
  std::filesystem::path signing_secret_file;  // empty: unsigned
};

enum class SmtpTls { kStartTls, kSmtps, kNone };

struct AlertEmailOptions {
  std::string url;  // smtp://host:port or smtps://host:port
  SmtpTls tls = SmtpTls::kStartTls;
  std::string from;
  std::vector<std::string> to;
  std::string username;
  std::filesystem::path password_file;  // read at each send: a rotated password needs no restart
  std::string ca_file;                  // empty: the system trust store
  std::chrono::milliseconds timeout{30000};
};

struct AlertsOptions {
  std::chrono::milliseconds evaluate_every{15000};
  std::string console_url;
  std::vector<AlertWebhookOptions> webhooks;
  std::optional<AlertEmailOptions> email;
};

void ReadAlertsSettings(config::ConfigNode node, AlertsOptions& out);

}  // namespace ferry::controlplane
