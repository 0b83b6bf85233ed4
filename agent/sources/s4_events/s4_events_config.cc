#include "agent/sources/s4_events/s4_events_config.h"

#include <filesystem>

#include "agent/sources/s4_events/s4_events_source.h"

namespace ferry::agent {
namespace {

std::unique_ptr<SourceBuilder> ParseS4Events(config::ConfigNode node) {
  S4EventsConfig c;
  ReadListenerConfig(node, c);
  c.allowed_origins = node.StringList("allowed_origins");
  if (node.Has("fetch")) {
    auto fetch = node.Section("fetch");
    c.fetch = ReadS4Connection(fetch);
    for (config::ConfigNode item : fetch.SectionList("entities")) {
      EventEntity e;
      e.type_prefix = item.RequiredString("type_prefix");
      e.service = ReadODataService(item);
      e.entity_set = item.RequiredString("entity_set");
      e.key_fields = item.StringList("key");
      e.key_types = ReadKeyTypes(item, e.key_fields.size());
      e.expand = item.StringList("expand");
      e.deleted_when = item.String("deleted_when", "");
      e.lookups = ReadODataLookups(item);
      if (!e.entity_set.empty() && !IsODataName(e.entity_set)) {
        item.Error("entity_set", "'" + e.entity_set + "' is not an OData name");
      }
      if (e.key_fields.empty()) item.Error("key", "name the event's data field(s) that hold the entity's key");
      for (const auto& field : e.key_fields) {
        if (!IsODataName(field)) item.Error("key", "'" + field + "' is not an OData name");
      }
      for (const auto& nav : e.expand) {
        if (!IsNavigationPath(nav)) item.Error("expand", "'" + nav + "' is not a navigation path");
      }
      c.entities.push_back(std::move(e));
    }
    if (c.entities.empty()) fetch.Error("entities", "list the event types whose entity to read");
  } else {
    node.Section("fetch");
  }
  return std::make_unique<ConfigSourceBuilder<S4EventsSource, S4EventsConfig>>(std::move(c));
}

}  // namespace

SourceFactory S4EventsSourceFactory() { return {"s4_events", &ParseS4Events}; }

}  // namespace ferry::agent
