#include "common/flows/flow_set.h"

#include <algorithm>
#include <map>
#include <set>

#include "common/flows/sap_values.h"

namespace ferry::flows {
namespace {

constexpr std::string_view kLibraryPrefix = "standard/";

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

void AppendJsonValue(std::string& out, const Value& v) {
  switch (v.kind) {
    case Value::Kind::kNull: out += "null"; return;
    case Value::Kind::kText: AppendJsonString(out, v.text); return;
    case Value::Kind::kNumber: out += v.number.ToString(); return;
    case Value::Kind::kBool: out += v.boolean ? "true" : "false"; return;
    case Value::Kind::kList:
      out += '[';
      for (size_t i = 0; i < v.list.size(); ++i) {
        if (i > 0) out += ',';
        AppendJsonValue(out, v.list[i]);
      }
      out += ']';
      return;
  }
}

class MapNames : public ValueMapResolver {
 public:
  explicit MapNames(const std::vector<ValueMap>& maps) : maps_(maps) {}
  int Find(std::string_view name) const override {
    for (size_t i = 0; i < maps_.size(); ++i) {
      if (maps_[i].name == name) return static_cast<int>(i);
    }
    return -1;
  }

 private:
  const std::vector<ValueMap>& maps_;
};

class Compiler {
 public:
  void Error(const std::string& file, int line, const std::string& where, const std::string& reason) {
    errors_.push_back(file + ":" + std::to_string(line) + ": " + where + ": " + reason);
  }
  bool failed() const { return !errors_.empty(); }
  std::string Joined() const {
    std::string out;
    for (const std::string& e : errors_) out += (out.empty() ? "" : "\n") + e;
    return out;
  }

  ExprPtr Expression(const Located& source, const ValueMapResolver& maps) {
    Result<ExprPtr> parsed = ParseExpression(source.text, maps);
    if (!parsed.ok()) {
      Error(source.file, source.line, source.where, std::string(parsed.status().message()));
      return nullptr;
    }
    return std::move(parsed).value();
  }
  ExprPtr Optional(const std::optional<Located>& source, const ValueMapResolver& maps) {
    return source ? Expression(*source, maps) : nullptr;
  }

  std::unique_ptr<CompiledFlow> Compile(const FlowSpec& spec, std::optional<FlowSpec> standard) {
    auto flow = std::make_unique<CompiledFlow>();
    flow->id = spec.id;
    flow->revision = spec.revision.value_or(0);
    const size_t errors_before = errors_.size();
    auto missing = [&](const std::string& key) {
      Error(spec.file, spec.line, key, "is required" + std::string(spec.extends ? " (in the flow or the one it extends)" : ""));
    };
    if (!spec.match || spec.match->message_types.empty()) missing("match.message_type");
    if (!spec.connector || spec.connector->empty()) missing("target.connector");
    if (spec.records.empty()) missing("records");
    flow->connector = spec.connector.value_or("");
    if (spec.match) {
      flow->message_types = spec.match->message_types;
      flow->idoc_types = spec.match->idoc_types;
      flow->source = spec.match->source;
    }
    Result<const date::time_zone*> zone = sap::FindZone(spec.timezone.value_or("UTC"));
    if (!zone.ok()) {
      Error(spec.file, spec.line, "timezone", std::string(zone.status().message()));
    } else {
      flow->env.zone = *zone;
    }
    for (const ValueMapSpec& m : spec.value_maps) {
      ValueMap map;
      map.name = m.name;
      for (const auto& [k, v] : m.values) map.values[k] = v;
      const std::string mode = m.unmapped.value_or(m.fallback ? "default" : "error");
      map.unmapped = mode == "null"      ? ValueMap::Unmapped::kNull
                     : mode == "keep"    ? ValueMap::Unmapped::kKeep
                     : mode == "default" ? ValueMap::Unmapped::kDefault
                                         : ValueMap::Unmapped::kError;
      map.fallback = m.fallback.value_or("");
      if (map.unmapped == ValueMap::Unmapped::kDefault && !m.fallback) {
        Error(m.at.file, m.at.line, m.at.where, "unmapped: default needs a 'default' value");
      }
      flow->value_maps.push_back(std::move(map));
    }
    const MapNames maps(flow->value_maps);
    if (spec.match) flow->match_when = Optional(spec.match->when, maps);
    flow->drop_when = Optional(spec.drop_when, maps);
    std::set<std::string> record_names;
    for (const RecordSpec& r : spec.records) {
      CompiledRecord rec;
      rec.name = r.name;
      if (!record_names.insert(r.name).second) Error(r.at.file, r.at.line, r.at.where, "duplicate record name '" + r.name + "'");
      auto need = [&](const std::string& key) { Error(r.at.file, r.at.line, r.at.where + "." + key, "is required"); };
      if (!r.object) need("object");
      if (!r.key_field) need("key_field");
      if (!r.external_id) need("external_id");
      rec.object = r.object.value_or("");
      rec.key_field = r.key_field.value_or("");
      rec.connector = r.connector.value_or("");
      rec.for_each = Optional(r.for_each, maps);
      if (rec.for_each && rec.for_each->kind != Expr::Kind::kPath) {
        Error(r.for_each->file, r.for_each->line, r.for_each->where, "must be a path to the repeated segment");
      }
      rec.when = Optional(r.when, maps);
      rec.external_id = Optional(r.external_id, maps);
      rec.delete_when = Optional(r.delete_when, maps);
      for (const FieldSpec& f : r.fields) {
        if (f.removed) {
          Error(r.at.file, f.line, r.at.where + ".fields." + f.name,
                "'~' removes a field of the flow this one extends; here there is none to remove");
          continue;
        }
        CompiledField field;
        field.name = f.name;
        field.where = f.name;
        field.constant = f.constant ? std::optional<std::string>(f.constant->text) : std::nullopt;
        field.value = Optional(f.value, maps);
        field.required = f.required;
        field.when = Optional(f.when, maps);
        field.otherwise = Optional(f.otherwise, maps);
        rec.fields.push_back(std::move(field));
      }
      for (const LinkSpec& l : r.links) {
        if (l.removed) {
          Error(r.at.file, l.line, r.at.where + ".links." + l.name,
                "'~' removes a link of the flow this one extends; here there is none to remove");
          continue;
        }
        CompiledLink link{l.name, l.object, l.key_field, Optional(l.external_id, maps)};
        rec.links.push_back(std::move(link));
      }
      flow->records.push_back(std::move(rec));
    }
    flow->env.value_maps = &flow->value_maps;
    flow->spec = spec;
    flow->standard = std::move(standard);
    if (errors_.size() != errors_before) return nullptr;
    return flow;
  }

 private:
  std::vector<std::string> errors_;
};

struct Mapper {
  const CompiledFlow& flow;
  const doc::Document& document;

  void Build(const CompiledRecord& rec, doc::NodeId node, ferry::v1::MappedRecord& out) const {
    const EvalContext ctx{document, node, flow.env};
    std::string where = "external_id";
    try {
      const Value id = Eval(*rec.external_id, ctx);
      if (id.is_blank()) throw EvalError{"is empty"};
      out.set_external_id(ToText(id));
      out.set_record(rec.name);
      out.set_object(rec.object);
      out.set_key_field(rec.key_field);
      where = "delete_when";
      out.set_action(rec.delete_when && EvalCondition(*rec.delete_when, ctx) ? "delete" : "upsert");
      std::string json = "{";
      bool first = true;
      for (const CompiledField& f : rec.fields) {
        where = "field " + f.name;
        const bool chosen = !f.when || EvalCondition(*f.when, ctx);
        if (!chosen && !f.otherwise) continue;
        const Value v = !chosen ? Eval(*f.otherwise, ctx) : f.constant ? Value::Text(*f.constant) : Eval(*f.value, ctx);
        if (f.required && v.is_blank()) throw EvalError{"is required but empty"};
        if (!first) json += ',';
        first = false;
        AppendJsonString(json, f.name);
        json += ':';
        AppendJsonValue(json, v);
      }
      json += '}';
      out.set_fields_json(std::move(json));
      for (const CompiledLink& l : rec.links) {
        where = "link " + l.field;
        const Value id = Eval(*l.external_id, ctx);
        if (id.is_blank()) continue;  // nothing to link to
        ferry::v1::RecordLink* link = out.add_links();
        link->set_field(l.field);
        link->set_object(l.object);
        link->set_key_field(l.key_field);
        link->set_external_id(ToText(id));
      }
    } catch (EvalError& e) {
      e.message = "flow " + flow.id + " record " + rec.name + " " + document.PathOf(node) + " " + where + ": " + e.message;
      throw;
    }
  }

  void Run(FlowOutcome& outcome) const {
    const EvalContext root{document, document.root(), flow.env};
    std::vector<doc::NodeId> nodes;
    for (const CompiledRecord& rec : flow.records) {
      nodes.clear();
      if (rec.for_each) {
        MatchAll(rec.for_each->path, root, nodes);
      } else {
        nodes.push_back(document.root());
      }
      const std::string& connector = rec.connector.empty() ? flow.connector : rec.connector;
      for (doc::NodeId node : nodes) {
        if (rec.when) {
          try {
            if (!EvalCondition(*rec.when, EvalContext{document, node, flow.env})) continue;
          } catch (EvalError& e) {
            e.message = "flow " + flow.id + " record " + rec.name + " " + document.PathOf(node) + " when: " + e.message;
            throw;
          }
        }
        auto group = std::find_if(outcome.by_connector.begin(), outcome.by_connector.end(),
                                  [&](const auto& g) { return g.first == connector; });
        if (group == outcome.by_connector.end()) {
          outcome.by_connector.emplace_back(connector, std::vector<ferry::v1::MappedRecord>{});
          group = outcome.by_connector.end() - 1;
        }
        Build(rec, node, group->second.emplace_back());
      }
    }
  }
};

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::string ListText(const std::vector<std::string>& list) {
  std::string s;
  for (const std::string& item : list) s += (s.empty() ? "" : "/") + item;
  return s;
}

bool MatchesInfo(const CompiledFlow& flow, const DocumentInfo& info) {
  if (flow.source && *flow.source != info.source) return false;
  if (!Contains(flow.message_types, info.message_type)) return false;
  return flow.idoc_types.empty() || Contains(flow.idoc_types, info.idoc_type) ||
         (!info.cim_type.empty() && Contains(flow.idoc_types, info.cim_type));
}

std::string MissReason(const CompiledFlow& flow, const DocumentInfo& info) {
  if (flow.source && *flow.source != info.source) return "source " + std::string(info.source) + " is not " + *flow.source;
  if (!Contains(flow.message_types, info.message_type)) {
    return "message type " + std::string(info.message_type) + " is not " + ListText(flow.message_types);
  }
  return "IDoc type " + std::string(info.idoc_type) + " is not " + ListText(flow.idoc_types);
}

}  // namespace

Result<std::shared_ptr<const FlowSet>> FlowSet::Compile(const std::vector<BundleFile>& files) {
  std::map<std::string, FlowSpec> library;
  std::vector<FlowSpec> active;
  std::vector<std::string> errors;
  std::map<std::string, std::string> seen;  // id -> file, for duplicates
  for (const BundleFile& file : files) {
    Result<std::vector<FlowSpec>> loaded = LoadFlowSpecs(file.text, file.path);
    if (!loaded.ok()) {
      errors.emplace_back(loaded.status().message());
      continue;
    }
    const bool is_library = file.path.rfind(kLibraryPrefix, 0) == 0;
    for (FlowSpec& spec : *loaded) {
      if (is_library) {
        const std::string id = spec.id;
        if (!library.emplace(id, std::move(spec)).second) {
          errors.push_back(file.path + ": flow: duplicate standard flow id '" + id + "'");
        }
        continue;
      }
      if (auto [it, inserted] = seen.emplace(spec.id, spec.file); !inserted) {
        errors.push_back(spec.file + ":" + std::to_string(spec.line) + ": flow: duplicate flow id '" + spec.id +
                         "' (also in " + it->second + ")");
        continue;
      }
      active.push_back(std::move(spec));
    }
  }
  if (!errors.empty()) {
    std::string joined;
    for (const std::string& e : errors) joined += (joined.empty() ? "" : "\n") + e;
    return Status::InvalidArgument(joined);
  }

  Compiler compiler;
  auto set = std::make_shared<FlowSet>();
  for (const FlowSpec& spec : active) {
    FlowSpec merged = spec;
    std::optional<FlowSpec> standard;
    if (spec.extends) {
      // Resolve the chain (a standard may extend another), refusing cycles.
      std::vector<const FlowSpec*> chain;
      std::set<std::string> visited;
      std::string next = *spec.extends;
      bool ok = true;
      while (true) {
        auto it = library.find(next);
        if (it == library.end()) {
          compiler.Error(spec.file, spec.line, "extends",
                         "no standard flow '" + next + "' in the bundle (is it in the standard flow folder?)");
          ok = false;
          break;
        }
        if (!visited.insert(next).second) {
          std::string path = spec.id;
          for (const FlowSpec* f : chain) path += " → " + f->id;
          compiler.Error(spec.file, spec.line, "extends", "cycle: " + path + " → " + next);
          ok = false;
          break;
        }
        chain.push_back(&it->second);
        if (!it->second.extends) break;
        next = *it->second.extends;
      }
      if (!ok) continue;
      FlowSpec base = *chain.back();
      for (auto it = chain.rbegin() + 1; it != chain.rend(); ++it) base = MergeFlow(base, **it);
      // A removal that matches nothing is most likely a misspelt name.
      for (const RecordSpec& delta : spec.records) {
        auto rec = std::find_if(base.records.begin(), base.records.end(),
                                [&](const RecordSpec& r) { return r.name == delta.name; });
        if (rec == base.records.end()) continue;
        for (const FieldSpec& f : delta.fields) {
          if (f.removed && std::none_of(rec->fields.begin(), rec->fields.end(),
                                        [&](const FieldSpec& b) { return b.name == f.name; })) {
            compiler.Error(spec.file, f.line, delta.at.where + ".fields." + f.name,
                           "'~' removes nothing: '" + base.id + "' has no such field in record '" + delta.name + "'");
          }
        }
        for (const LinkSpec& l : delta.links) {
          if (l.removed && std::none_of(rec->links.begin(), rec->links.end(),
                                        [&](const LinkSpec& b) { return b.name == l.name; })) {
            compiler.Error(spec.file, l.line, delta.at.where + ".links." + l.name,
                           "'~' removes nothing: '" + base.id + "' has no such link in record '" + delta.name + "'");
          }
        }
      }
      standard = base;
      merged = MergeFlow(base, spec);
    }
    if (auto flow = compiler.Compile(merged, std::move(standard))) set->flows_.push_back(std::move(flow));
  }
  if (compiler.failed()) return Status::InvalidArgument(compiler.Joined());
  return std::shared_ptr<const FlowSet>(std::move(set));
}

RunResult FlowSet::Run(const doc::Document& document, const DocumentInfo& info, bool explain) const {
  RunResult result;
  for (const auto& flow_ptr : flows_) {
    const CompiledFlow& flow = *flow_ptr;
    if (!MatchesInfo(flow, info)) {
      if (explain) result.not_matched.push_back("flow " + flow.id + ": " + MissReason(flow, info));
      continue;
    }
    FlowOutcome outcome;
    outcome.flow = &flow;
    const EvalContext root{document, document.root(), flow.env};
    try {
      if (flow.match_when && !EvalCondition(*flow.match_when, root)) {
        if (explain) result.not_matched.push_back("flow " + flow.id + ": match.when is false");
        continue;
      }
      if (flow.drop_when && EvalCondition(*flow.drop_when, root)) {
        outcome.kind = FlowOutcome::Kind::kDropped;
        result.outcomes.push_back(std::move(outcome));
        continue;
      }
      Mapper{flow, document}.Run(outcome);
    } catch (const EvalError& e) {
      outcome.kind = FlowOutcome::Kind::kError;
      outcome.by_connector.clear();
      outcome.error = e.message.rfind("flow ", 0) == 0 ? e.message : "flow " + flow.id + ": " + e.message;
    }
    result.outcomes.push_back(std::move(outcome));
  }
  return result;
}

std::string RecordJson(const ferry::v1::MappedRecord& record, const std::string& connector) {
  std::string out = "{\"record\":";
  AppendJsonString(out, record.record());
  out += ",\"object\":";
  AppendJsonString(out, record.object());
  out += ",\"action\":";
  AppendJsonString(out, record.action());
  out += ",\"external_id\":";
  AppendJsonString(out, record.external_id());
  out += ",\"key_field\":";
  AppendJsonString(out, record.key_field());
  out += ",\"fields\":";
  out += record.fields_json().empty() ? "{}" : record.fields_json();
  if (record.links_size() > 0) {
    out += ",\"links\":{";
    for (int i = 0; i < record.links_size(); ++i) {
      const ferry::v1::RecordLink& l = record.links(i);
      if (i > 0) out += ',';
      AppendJsonString(out, l.field());
      out += ":{\"object\":";
      AppendJsonString(out, l.object());
      out += ",\"key_field\":";
      AppendJsonString(out, l.key_field());
      out += ",\"external_id\":";
      AppendJsonString(out, l.external_id());
      out += '}';
    }
    out += '}';
  }
  if (!connector.empty()) {
    out += ",\"connector\":";
    AppendJsonString(out, connector);
  }
  out += '}';
  return out;
}

}  // namespace ferry::flows
