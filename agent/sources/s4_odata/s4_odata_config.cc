#include "agent/sources/s4_odata/s4_odata_config.h"

#include <filesystem>
#include <set>

#include "agent/sources/s4_odata/s4_odata_source.h"
#include "common/http/http_client.h"

namespace ferry::agent {
namespace {

std::unique_ptr<SourceBuilder> ParseS4OData(config::ConfigNode node) {
  S4ODataConfig c;
  c.connection = ReadS4Connection(node);
  c.interval = node.Duration("interval", c.interval);
  if (c.interval < std::chrono::milliseconds(100)) node.Error("interval", "must be at least 100ms");
  c.page_size = static_cast<size_t>(node.Int("page_size", static_cast<int64_t>(c.page_size), 1, 5000));
  c.overlap = node.Duration("overlap", c.overlap);
  const std::string start = node.String("start", "");
  if (!start.empty()) {
    auto ms = ODataTimeMs(start);
    if (ms.ok()) {
      c.start_ms = *ms;
    } else {
      node.Error("start", "must be an ISO 8601 time such as 2024-01-01T00:00:00Z");
    }
  }
  // Each entity set: a list item with its own keys.
  std::set<std::string> names;
  for (config::ConfigNode item : node.SectionList("entities")) {
    ODataEntitySet e;
    e.name = item.RequiredString("name");
    e.service = ReadODataService(item);
    e.shape.v4 = e.service.v4;
    e.entity_set = item.RequiredString("entity_set");
    e.shape.key_fields = item.StringList("key");
    e.shape.key_types = ReadKeyTypes(item, e.shape.key_fields.size());
    e.shape.changed_date = item.String("changed_date", "");
    e.shape.changed_time = item.String("changed_time", "");
    e.shape.changed_at = item.String("changed_at", "");
    e.shape.deleted_when = item.String("deleted_when", "");
    e.expand = item.StringList("expand");
    e.filter = item.String("filter", "");
    e.delta = item.Bool("delta", false);
    e.lookups = ReadODataLookups(item);
    if (!e.name.empty() && !names.insert(e.name).second) item.Error("name", "'" + e.name + "' is used twice");
    for (const auto& [key, value] :
         {std::pair{"entity_set", e.entity_set}, std::pair{"changed_date", e.shape.changed_date},
          std::pair{"changed_time", e.shape.changed_time}, std::pair{"changed_at", e.shape.changed_at},
          std::pair{"deleted_when", e.shape.deleted_when}}) {
      if (!value.empty() && !IsODataName(value)) item.Error(key, "'" + value + "' is not an OData name");
    }
    for (const auto& field : e.shape.key_fields) {
      if (!IsODataName(field)) item.Error("key", "'" + field + "' is not an OData name");
    }
    for (const auto& nav : e.expand) {
      if (!IsNavigationPath(nav)) item.Error("expand", "'" + nav + "' is not a navigation path");
    }
    if (e.shape.key_fields.empty()) item.Error("key", "name the entity's key field(s)");
    if (!e.shape.changed_at.empty() && !e.shape.changed_date.empty()) {
      item.Error("changed_date", "give changed_date or changed_at, not both");
    } else if (!e.delta && e.shape.changed_at.empty() && e.shape.changed_date.empty()) {
      item.Error("changed_date",
                 "give changed_date (with changed_time) or changed_at: the field that says when "
                 "an entity changed");
    }
    if (!e.shape.changed_time.empty() && e.shape.changed_date.empty()) {
      item.Error("changed_time", "goes with changed_date");
    }
    c.entities.push_back(std::move(e));
  }
  if (c.entities.empty()) node.Error("entities", "list at least one entity set to poll");
  return std::make_unique<ConfigSourceBuilder<S4ODataSource, S4ODataConfig>>(std::move(c));
}

}  // namespace

SourceFactory S4ODataSourceFactory() { return {"s4_odata", &ParseS4OData}; }

}  // namespace ferry::agent
