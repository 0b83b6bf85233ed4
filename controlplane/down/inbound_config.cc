#include "controlplane/down/inbound_config.h"

#include <algorithm>
#include <set>

#include "common/wire/down_command.h"

namespace ferry::controlplane {
namespace {

bool IsChannelName(const std::string& s) {
  return !s.empty() && s.size() <= 64 && s.front() != '-' &&
         s.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string::npos;
}

}  // namespace

const ConfiguredChannel* InboundOptions::Find(std::string_view name) const {
  name = name.substr(0, name.find('?'));  // a request target's query is the channel's (a token)
  for (const ConfiguredChannel& c : channels) {
    if (c.options.name == name) return &c;
  }
  return nullptr;
}

void ReadInboundSettings(config::ConfigNode node, InboundOptions& out) {
  if (auto address = node.ListenAddress("listen", "")) {
    out.host = address->host;
    out.port = address->port;
  }
  out.hosts = node.StringList("hosts");
  out.cert_file = node.String("cert_file", "");
  out.key_file = node.String("key_file", "");
  if (out.cert_file.empty() != out.key_file.empty()) node.Error("key_file", "cert_file and key_file go together");
  if (!out.host.empty() && out.hosts.empty() && out.cert_file.empty()) {
    node.Error("hosts", "name at least one host the CRMs reach the listener by (or give cert_file and key_file)");
  }
  out.max_body_bytes = node.Bytes("max_body", out.max_body_bytes);
  if (out.max_body_bytes < 1024 || out.max_body_bytes > wire::kMaxDownRecordBytes) {
    node.Error("max_body", "must be 1KiB to 8MiB (the largest record an agent runs)");
  }
  std::set<std::string> names;
  for (config::ConfigNode item : node.SectionList("channels")) {
    ConfiguredChannel configured;
    InboundChannelOptions& o = configured.options;
    o.name = item.RequiredString("name");
    if (!o.name.empty() && !IsChannelName(o.name)) {
      item.Error("name", "'" + o.name + "' must be lowercase letters, digits and '-' (it is part of the URL)");
    } else if (!o.name.empty() && !names.insert(o.name).second) {
      item.Error("name", "a second channel named '" + o.name + "'");
    }
    o.kind = item.RequiredString("kind");
    o.crm = item.RequiredString("crm");
    o.agents = item.StringMap("agents");
    if (o.agents.empty()) {
      item.Error("agents", "name the labels of the agents that serve the SAP system, e.g. { sap: S4P }");
    }
    const auto& kinds = InboundChannelFactories();
    auto kind = std::find_if(kinds.begin(), kinds.end(), [&](const auto& k) { return k.kind == o.kind; });
    if (kind == kinds.end()) {
      if (!o.kind.empty()) {
        std::string known;
        for (const auto& k : kinds) known += (known.empty() ? "" : ", ") + k.kind;
        item.Error("kind", "'" + o.kind + "' is not a channel kind (" + known + ")");
      }
      continue;
    }
    configured.channel = kind->make(item, o);
    out.channels.push_back(std::move(configured));
  }
  if (!out.host.empty() && out.channels.empty()) node.Error("channels", "the listener needs at least one channel");
}

}  // namespace ferry::controlplane
