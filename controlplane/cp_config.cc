#include "controlplane/cp_config.h"

#include <algorithm>

#include "common/config/config_node.h"
#include "common/log/log.h"
#include "common/transport/mqtt/mqtt_config.h"
#include "common/transport/topics.h"
#include "controlplane/connectors/all_connectors.h"
#include "controlplane/tunnels/listener_config.h"

namespace ferry::controlplane {

Result<ControlPlaneConfig> LoadControlPlaneConfig(const std::filesystem::path& file) {
  auto loaded = config::ConfigFile::Load(file);
  if (!loaded.ok()) return loaded.status();
  config::ConfigNode root = loaded->Root();
  ControlPlaneConfig c;

  auto cp = root.Section("controlplane");
  c.id = cp.String("id", "cp-1");
  c.data_dir = cp.RequiredString("data_dir");

  c.log_level = log::ReadLogLevel(root);

  auto store = root.Section("store");
  c.map_size_bytes = store.Bytes("map_size", c.map_size_bytes);
  c.queue_max_bytes = store.Bytes("max_bytes", c.queue_max_bytes);
  if (c.queue_max_bytes == 0 || c.queue_max_bytes > c.map_size_bytes / 2) {
    store.Error("max_bytes", "must be above 0 and at most half of store.map_size");
  }
  c.dead_letter_max_bytes = store.Bytes("dead_letter_max_bytes", c.map_size_bytes / 4);
  if (c.dead_letter_max_bytes < (1u << 20) || c.queue_max_bytes + c.dead_letter_max_bytes > c.map_size_bytes / 4 * 3) {
    store.Error("dead_letter_max_bytes",
                "must be at least 1MiB and, with store.max_bytes, at most 3/4 of store.map_size");
  }
  c.dedup_retention = store.Duration("dedup_retention", c.dedup_retention);

  // Agents come through a broker, over the control plane's own WebSocket
  // listener, or both; at least one.
  const bool listener = root.Has("websocket");
  if (listener) ReadWebSocketListenerSettings(root.Section("websocket"), c.websocket, c.websocket_hosts);
  if (root.Has("mqtt") || !listener) {
    auto mqtt = root.Section("mqtt");
    transport::ReadMqttSettings(mqtt, "ferry-controlplane-" + c.id, c.mqtt);
    // Empty: derived from the fleet's CA key at start (ControlPlane::Create).
    c.shared_group = mqtt.String("shared_group", "");
    c.mqtt.presence_topic = std::string(transport::topics::kControlPlanePresence);
    c.mqtt.will_payload = "offline " + c.id;
  }

  // Agents are told the broker only when it is a TLS one over TCP (a wss://
  // entry means the direct tunnel to agents), and the listener by the
  // first name it answers to.
  std::vector<std::string> endpoints;
  const std::string& broker = c.mqtt.broker_url;
  if (broker.rfind("ssl://", 0) == 0 || broker.rfind("mqtts://", 0) == 0) endpoints.push_back(broker);
  if (listener && !c.websocket_hosts.empty()) {
    const std::string& host = c.websocket_hosts.front();
    const bool ipv6 = host.find(':') != std::string::npos;
    endpoints.push_back("wss://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(c.websocket.port));
  }
  ReadFleetSettings(root.Section("fleet"), c.data_dir, endpoints, c.fleet);
  ReadConsoleSettings(root.Section("console"), c.console);
  ReadInboundSettings(root.Section("inbound"), c.inbound);
  // Notifications link to the console by the first name browsers reach it by.
  if (!c.console.host.empty() && !c.console.hosts.empty()) {
    c.alerts.console_url = "https://" + c.console.hosts.front() + ":" + std::to_string(c.console.port);
  }
  ReadAlertsSettings(root.Section("alerts"), c.alerts);

  auto delivery = root.Section("delivery");
  c.delivery.default_connector = delivery.String("connector", "webhook");
  c.delivery.concurrency = static_cast<size_t>(delivery.Int("concurrency", 16, 1, 1024));
  c.delivery.retry_initial = delivery.Duration("retry_initial", c.delivery.retry_initial);
  c.delivery.retry_max = delivery.Duration("retry_max", c.delivery.retry_max);
  if (c.delivery.retry_initial.count() < 1) delivery.Error("retry_initial", "must be at least 1ms");
  if (c.delivery.retry_max < c.delivery.retry_initial) delivery.Error("retry_max", "must not be below retry_initial");
  c.delivery.max_attempts = static_cast<uint32_t>(delivery.Int("max_attempts", 0, 0, 1000000));

  auto connectors = root.Section("connectors");
  for (const auto& factory : AllConnectors()) {
    std::string name(factory.name);
    if (!connectors.Has(name)) {
      connectors.Section(name);
      continue;
    }
    c.connectors.emplace_back(name, factory.parse(connectors.Section(name)));
  }
  const bool default_configured = std::any_of(c.connectors.begin(), c.connectors.end(), [&](const auto& entry) {
    return entry.first == c.delivery.default_connector;
  });
  if (!default_configured) {
    delivery.Error("connector",
                   "names connector '" + c.delivery.default_connector + "', which is not configured under connectors:");
  }

  // A channel whose records are read whole reads them with its CRM's connector.
  for (const ConfiguredChannel& channel : c.inbound.channels) {
    if (!channel.channel || !channel.channel->reads_records()) continue;
    const bool configured = std::any_of(c.connectors.begin(), c.connectors.end(),
                                        [&](const auto& entry) { return entry.first == channel.options.crm; });
    const bool reads = std::any_of(AllConnectors().begin(), AllConnectors().end(),
                                   [&](const ConnectorFactory& f) { return f.reads && f.name == channel.options.crm; });
    if (!configured || !reads) {
      std::string readers;
      for (const ConnectorFactory& f : AllConnectors()) {
        if (f.reads) readers += std::string(readers.empty() ? "" : ", ") + std::string(f.name);
      }
      root.Section("inbound").Error(
          "channels", "channel " + channel.options.name + " reads its records with connector '" + channel.options.crm +
                          "', which must be configured under connectors: (" + readers + " read)");
    }
  }

  // A polled channel lists its changes with its CRM's connector, and each
  // read query is one that connector takes.
  for (const ConfiguredChannel& channel : c.inbound.channels) {
    const PollSettings* poll = channel.channel ? channel.channel->poll() : nullptr;
    if (poll == nullptr) continue;
    auto factory = std::find_if(AllConnectors().begin(), AllConnectors().end(),
                                [&](const ConnectorFactory& f) { return f.name == channel.options.crm; });
    if (factory == AllConnectors().end() || !factory->lists_changes) {
      std::string listers;
      for (const ConnectorFactory& f : AllConnectors()) {
        if (f.lists_changes) listers += std::string(listers.empty() ? "" : ", ") + std::string(f.name);
      }
      root.Section("inbound").Error("channels", "channel " + channel.options.name + " polls with connector '" +
                                                    channel.options.crm + "', which cannot list changes (" + listers +
                                                    " can)");
      continue;
    }
    // What a pass asks for again must still be known as committed.
    if (poll->lookback >= c.dedup_retention) {
      root.Section("inbound").Error("channels", "channel " + channel.options.name +
                                                    ": lookback must be shorter than store.dedup_retention, or "
                                                    "changes listed again would be committed again");
    }
    if (!factory->check_read_query) continue;
    for (const PollObject& object : poll->objects) {
      if (std::string why = factory->check_read_query(object.read); !why.empty()) {
        root.Section("inbound").Error(
            "channels", "channel " + channel.options.name + " object " + object.object + ": the read query: " + why);
      }
    }
  }

  // The key itself is read at start-up (ControlPlane::Create), not here, so
  // that `status` and `dlq list` need no access to the private key.
  auto flows = root.Section("flows");
  c.flows.signing_key_file = flows.String("signing_key_file", "");
  c.flows.poll_interval = flows.Duration("poll_interval", c.flows.poll_interval);
  if (c.flows.poll_interval.count() < 100) flows.Error("poll_interval", "must be at least 100ms");
  c.flows.standard_dir = flows.String("standard_dir", c.flows.standard_dir.string());

  Status s = loaded->Finish();
  if (!s.ok()) return s;
  return c;
}

}  // namespace ferry::controlplane
