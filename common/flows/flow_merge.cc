#include "common/flows/flow_spec.h"

// MergeFlow and DiffFlows: a user's flow applied on top of the standard flow
// it extends, and the list of what that changes.

#include <algorithm>

namespace ferry::flows {
namespace {

template <typename T>
T* FindNamed(std::vector<T>& items, const std::string& name) {
  for (T& item : items) {
    if (item.name == name) return &item;
  }
  return nullptr;
}
template <typename T>
const T* FindNamed(const std::vector<T>& items, const std::string& name) {
  for (const T& item : items) {
    if (item.name == name) return &item;
  }
  return nullptr;
}

// Named items (fields, links) of `delta` merged into `base`: replaced in
// place, appended when new, dropped when the delta removes them.
template <typename T>
void MergeNamed(std::vector<T>& base, const std::vector<T>& delta) {
  for (const T& d : delta) {
    T* existing = FindNamed(base, d.name);
    if (d.removed) {
      if (existing != nullptr) base.erase(base.begin() + (existing - base.data()));
    } else if (existing != nullptr) {
      *existing = d;
    } else {
      base.push_back(d);
    }
  }
}

template <typename T>
void Override(std::optional<T>& base, const std::optional<T>& delta) {
  if (delta) base = delta;
}

std::string Show(const std::optional<Located>& l) { return l ? l->text : "(none)"; }
std::string Show(const std::optional<std::string>& s) { return s ? *s : "(none)"; }
std::string Show(const FieldSpec& f) {
  std::string s = f.constant ? "const '" + f.constant->text + "'" : (f.value ? f.value->text : "");
  if (f.required) s += " (required)";
  if (f.when) s += " when " + f.when->text;
  if (f.otherwise) s += " else " + f.otherwise->text;
  return s;
}
std::string Show(const LinkSpec& l) {
  return l.object + "." + l.key_field + " = " + (l.external_id ? l.external_id->text : "");
}
std::string Show(const std::vector<std::string>& list) {
  std::string s;
  for (const std::string& item : list) s += (s.empty() ? "" : ", ") + item;
  return "[" + s + "]";
}

template <typename T>
void DiffValue(std::vector<std::string>& out, const std::string& key, const T& standard, const T& mine) {
  if (standard == mine) return;
  out.push_back("~ " + key + ": " + Show(standard) + " → " + Show(mine));
}

template <typename T>
void DiffNamed(std::vector<std::string>& out, const std::string& key, const std::vector<T>& standard,
               const std::vector<T>& mine) {
  for (const T& s : standard) {
    const T* m = FindNamed(mine, s.name);
    if (m == nullptr) {
      out.push_back("- " + key + "." + s.name);
    } else if (!(*m == s)) {
      out.push_back("~ " + key + "." + s.name + ": " + Show(s) + " → " + Show(*m));
    }
  }
  for (const T& m : mine) {
    if (FindNamed(standard, m.name) == nullptr) out.push_back("+ " + key + "." + m.name + ": " + Show(m));
  }
}

}  // namespace

FlowSpec MergeFlow(const FlowSpec& base, const FlowSpec& child) {
  FlowSpec merged = base;
  merged.id = child.id;
  merged.file = child.file;
  merged.line = child.line;
  merged.extends = child.extends;
  merged.revision = child.revision;
  Override(merged.description, child.description);
  Override(merged.connector, child.connector);
  Override(merged.timezone, child.timezone);
  Override(merged.drop_when, child.drop_when);
  Override(merged.match, child.match);
  Override(merged.direction, child.direction);
  Override(merged.result, child.result);
  for (const ValueMapSpec& delta : child.value_maps) {
    ValueMapSpec* map = FindNamed(merged.value_maps, delta.name);
    if (map == nullptr) {
      merged.value_maps.push_back(delta);
      continue;
    }
    for (const auto& [key, value] : delta.values) {
      auto it = std::find_if(map->values.begin(), map->values.end(), [&](const auto& kv) { return kv.first == key; });
      if (it != map->values.end()) {
        it->second = value;
      } else {
        map->values.emplace_back(key, value);
      }
    }
    Override(map->unmapped, delta.unmapped);
    Override(map->fallback, delta.fallback);
  }
  for (const RecordSpec& delta : child.records) {
    RecordSpec* rec = FindNamed(merged.records, delta.name);
    if (rec == nullptr) {
      merged.records.push_back(delta);
      continue;
    }
    Override(rec->object, delta.object);
    Override(rec->key_field, delta.key_field);
    Override(rec->connector, delta.connector);
    Override(rec->nest_in, delta.nest_in);
    Override(rec->for_each, delta.for_each);
    Override(rec->when, delta.when);
    Override(rec->external_id, delta.external_id);
    Override(rec->delete_when, delta.delete_when);
    MergeNamed(rec->fields, delta.fields);
    MergeNamed(rec->links, delta.links);
  }
  return merged;
}

std::vector<std::string> DiffFlows(const FlowSpec& standard, const FlowSpec& merged) {
  std::vector<std::string> out;
  DiffValue(out, "description", standard.description, merged.description);
  DiffValue(out, "target.connector", standard.connector, merged.connector);
  DiffValue(out, "timezone", standard.timezone, merged.timezone);
  DiffValue(out, "direction", standard.direction, merged.direction);
  const ResultSpec no_result;
  const ResultSpec& sr = standard.result ? *standard.result : no_result;
  const ResultSpec& mr = merged.result ? *merged.result : no_result;
  DiffValue(out, "result.connector", sr.connector, mr.connector);
  DiffValue(out, "result.object", sr.object, mr.object);
  DiffValue(out, "result.key_field", sr.key_field, mr.key_field);
  DiffValue(out, "result.external_id", sr.external_id, mr.external_id);
  DiffValue(out, "result.number_field", sr.number_field, mr.number_field);
  DiffValue(out, "result.message_field", sr.message_field, mr.message_field);
  DiffValue(out, "drop_when", standard.drop_when, merged.drop_when);
  const MatchSpec none;
  const MatchSpec& sm = standard.match ? *standard.match : none;
  const MatchSpec& mm = merged.match ? *merged.match : none;
  DiffValue(out, "match.message_type", sm.message_types, mm.message_types);
  DiffValue(out, "match.idoc_type", sm.idoc_types, mm.idoc_types);
  DiffValue(out, "match.source", sm.source, mm.source);
  DiffValue(out, "match.when", sm.when, mm.when);
  for (const ValueMapSpec& m : merged.value_maps) {
    const std::string key = "value_maps." + m.name;
    const ValueMapSpec* s = FindNamed(standard.value_maps, m.name);
    if (s == nullptr) {
      out.push_back("+ " + key + " (" + std::to_string(m.values.size()) + " values)");
      continue;
    }
    for (const auto& [k, v] : m.values) {
      auto it = std::find_if(s->values.begin(), s->values.end(), [&](const auto& kv) { return kv.first == k; });
      if (it == s->values.end()) {
        out.push_back("+ " + key + ".values." + k + ": " + v);
      } else if (it->second != v) {
        out.push_back("~ " + key + ".values." + k + ": " + it->second + " → " + v);
      }
    }
    DiffValue(out, key + ".unmapped", s->unmapped, m.unmapped);
    DiffValue(out, key + ".default", s->fallback, m.fallback);
  }
  for (const RecordSpec& s : standard.records) {
    if (FindNamed(merged.records, s.name) == nullptr) out.push_back("- records." + s.name);
  }
  for (const RecordSpec& m : merged.records) {
    const std::string key = "records." + m.name;
    const RecordSpec* s = FindNamed(standard.records, m.name);
    if (s == nullptr) {
      out.push_back("+ " + key + " (" + Show(m.object) + ", " + std::to_string(m.fields.size()) + " fields)");
      continue;
    }
    DiffValue(out, key + ".object", s->object, m.object);
    DiffValue(out, key + ".key_field", s->key_field, m.key_field);
    DiffValue(out, key + ".connector", s->connector, m.connector);
    DiffValue(out, key + ".nest_in", s->nest_in, m.nest_in);
    DiffValue(out, key + ".for_each", s->for_each, m.for_each);
    DiffValue(out, key + ".when", s->when, m.when);
    DiffValue(out, key + ".external_id", s->external_id, m.external_id);
    DiffValue(out, key + ".delete_when", s->delete_when, m.delete_when);
    DiffNamed(out, key + ".fields", s->fields, m.fields);
    DiffNamed(out, key + ".links", s->links, m.links);
  }
  return out;
}

}  // namespace ferry::flows
