#include "controlplane/fleet/fleet_config.h"

#include "common/transport/mqtt/mqtt_config.h"

namespace ferry::controlplane {

void ReadFleetSettings(config::ConfigNode node, const std::filesystem::path& data_dir,
                       const std::vector<std::string>& default_urls, FleetOptions& out) {
  out.pki.dir = data_dir / "pki";
  out.require_enrollment = node.Bool("require_enrollment", out.require_enrollment);
  const auto lifetime = node.Duration("agent_certificate_lifetime", out.pki.agent_certificate_lifetime);
  if (lifetime < std::chrono::seconds(30)) node.Error("agent_certificate_lifetime", "must be at least 30s");
  out.pki.agent_certificate_lifetime = std::chrono::duration_cast<std::chrono::seconds>(lifetime);
  out.pki.ca_cert_file = node.String("ca_cert_file", "");
  out.pki.ca_key_file = node.String("ca_key_file", "");
  if (out.pki.ca_cert_file.empty() != out.pki.ca_key_file.empty()) {
    node.Error("ca_key_file", "ca_cert_file and ca_key_file must be given together");
  }
  out.broker_urls = node.StringList("broker_urls");
  if (out.broker_urls.empty()) out.broker_urls = default_urls;
  for (const std::string& url : out.broker_urls) {
    if (url.rfind("ssl://", 0) != 0 && url.rfind("mqtts://", 0) != 0 && url.rfind("wss://", 0) != 0) {
      node.Error(
          "broker_urls",
          "agents are given TLS endpoints only (ssl:// or mqtts:// brokers, the wss:// tunnel), not '" + url + "'");
    }
  }

  auto enrollment = node.Section("enrollment");
  if (auto address = enrollment.ListenAddress("listen", "")) {
    out.enrollment_host = address->host;
    out.enrollment_port = address->port;
  }
  if (enrollment.Has("listen")) {
    out.enrollment_hosts = enrollment.StringList("hosts");
    if (out.enrollment_hosts.empty()) {
      enrollment.Error("hosts", "name at least one host agents reach the enrollment listener by");
    }
  }
  out.enrollment_per_minute = static_cast<int>(enrollment.Int("max_per_minute", out.enrollment_per_minute, 1, 6000));
  out.enrollment_per_minute_per_client =
      static_cast<int>(enrollment.Int("max_per_minute_per_client", out.enrollment_per_minute_per_client, 1, 6000));
}

}  // namespace ferry::controlplane
