#include "controlplane/alerts/alerts_config.h"

#include "controlplane/connectors/client_settings.h"

namespace ferry::controlplane {
namespace {

bool Loopback(const std::string& host) { return host == "127.0.0.1" || host == "::1" || host == "localhost"; }

AlertWebhookOptions ReadWebhook(const std::string& name, config::ConfigNode node) {
  AlertWebhookOptions w;
  w.name = name;
  w.url = RequiredUrlSetting(node, "url");
  w.url_text = node.String("url", "");
  // Alerts name agents and plants: they cross the network encrypted, in
  // plain text only to a receiver on this machine.
  if (!w.url.host.empty() && !w.url.tls && !Loopback(w.url.host)) {
    node.Error("url", "must be https:// (http:// only to a loopback address)");
  }
  ReadClientSettings(node, w.client, std::chrono::seconds(10));
  w.signing_secret_file = SecretFileSetting(node, "signing_secret_file", /*required=*/false);
  return w;
}

AlertEmailOptions ReadEmail(config::ConfigNode node) {
  AlertEmailOptions e;
  e.url = node.RequiredString("url");
  const std::string tls = node.String("tls", "starttls");
  if (tls == "starttls") {
    e.tls = SmtpTls::kStartTls;
  } else if (tls == "smtps") {
    e.tls = SmtpTls::kSmtps;
  } else if (tls == "none") {
    e.tls = SmtpTls::kNone;
  } else {
    node.Error("tls", "expected starttls, smtps or none");
  }
  const std::string scheme = e.tls == SmtpTls::kSmtps ? "smtps://" : "smtp://";
  if (!e.url.empty() && e.url.rfind(scheme, 0) != 0) {
    node.Error("url", "expected " + scheme + "HOST:PORT for tls: " + tls);
  }
  e.from = node.RequiredString("from");
  e.to = node.StringList("to");
  if (e.to.empty()) node.Error("to", "needs at least one address");
  std::vector<std::pair<const char*, std::string>> addresses = {{"from", e.from}};
  for (const auto& to : e.to) addresses.emplace_back("to", to);
  for (const auto& [key, address] : addresses) {
    // An address goes into SMTP commands and headers: no line breaks, no
    // angle brackets, and an @.
    if (!address.empty() &&
        (address.find_first_of("\r\n<>, \t") != std::string::npos || address.find('@') == std::string::npos)) {
      node.Error(key, "'" + address + "' is not a plain e-mail address");
    }
  }
  e.username = node.String("username", "");
  if (!e.username.empty()) e.password_file = SecretFileSetting(node, "password_file", /*required=*/true);
  e.ca_file = node.String("ca_file", "");
  if (!e.ca_file.empty() && !std::filesystem::exists(e.ca_file))
    node.Error("ca_file", "cannot read '" + e.ca_file + "'");
  e.timeout = node.Duration("timeout", e.timeout);
  if (e.timeout.count() < 100) node.Error("timeout", "must be at least 100ms");
  return e;
}

}  // namespace

void ReadAlertsSettings(config::ConfigNode node, AlertsOptions& out) {
  out.evaluate_every = node.Duration("evaluate_every", out.evaluate_every);
  if (out.evaluate_every.count() < 100 || out.evaluate_every > std::chrono::minutes(10)) {
    node.Error("evaluate_every", "must be between 100ms and 10m");
  }
  out.console_url = node.String("console_url", out.console_url);
  while (!out.console_url.empty() && out.console_url.back() == '/') out.console_url.pop_back();
  config::ConfigNode webhooks = node.Section("webhooks");
  for (const auto& name : webhooks.Keys()) out.webhooks.push_back(ReadWebhook(name, webhooks.Section(name)));
  if (node.Has("email")) out.email = ReadEmail(node.Section("email"));
}

}  // namespace ferry::controlplane
