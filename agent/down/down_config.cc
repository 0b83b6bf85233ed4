#include "agent/down/down_config.h"

namespace ferry::agent {

std::optional<DownConfig> ReadDownConfig(config::ConfigNode& root) {
  if (!root.Has("down")) {
    root.Section("down");  // marks the key as known
    return std::nullopt;
  }
  config::ConfigNode node = root.Section("down");
  DownConfig c;
  if (node.Has("s4_odata")) {
    config::ConfigNode s4 = node.Section("s4_odata");
    c.s4_odata = ReadS4Connection(s4);
  }
  if (node.Has("idoc_xml")) {
    config::ConfigNode idoc = node.Section("idoc_xml");
    c.idoc_xml = ReadIdocXmlEndpoint(idoc);
  }
  if (!c.s4_odata && !c.idoc_xml) node.Error("s4_odata", "name at least one SAP target (s4_odata, idoc_xml)");
  return c;
}

}  // namespace ferry::agent
