#include "common/flows/flow_set.h"

// FlowSet::Compile: bundle files to compiled flows, resolving `extends` and
// reporting every error with file, line, key path and reason.

#include <algorithm>
#include <map>
#include <set>

#include "common/flows/sap_values.h"

namespace ferry::flows {
namespace {

constexpr std::string_view kLibraryPrefix = "standard/";

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

  void CompileResult(const FlowSpec& spec, CompiledFlow& flow, const ValueMapResolver& maps) {
    const ResultSpec& r = *spec.result;
    if (!flow.down) {
      Error(spec.file, r.line, "result", "only a down flow ('direction: down') writes SAP's answer back");
      return;
    }
    auto need = [&](const std::optional<std::string>& value, const char* key) {
      if (!value || value->empty()) Error(spec.file, r.line, std::string("result.") + key, "is required");
      return value.value_or("");
    };
    CompiledResult result;
    result.connector = need(r.connector, "connector");
    result.object = need(r.object, "object");
    result.key_field = need(r.key_field, "key_field");
    if (!r.external_id) Error(spec.file, r.line, "result.external_id", "is required");
    result.external_id = Optional(r.external_id, maps);
    result.number_field = r.number_field.value_or("");
    result.message_field = r.message_field.value_or("");
    if (result.number_field.empty() && result.message_field.empty()) {
      Error(spec.file, r.line, "result", "needs number_field, message_field or both: what SAP's answer is written to");
    }
    if (!result.connector.empty() && IsSapTarget(result.connector)) {
      Error(spec.file, r.line, "result.connector", "is the CRM connector the answer is written back through");
    }
    flow.result = std::move(result);
  }

  // Down flows create documents in SAP: one request per top-level record,
  // the records nested in it as its items.
  void CheckDownRecord(const RecordSpec& r, const CompiledFlow& flow) {
    auto refuse = [&](const std::string& key, const std::string& why) {
      Error(r.at.file, r.at.line, r.at.where + "." + key, why);
    };
    if (r.delete_when) refuse("delete_when", "a down flow creates documents in SAP; it does not delete");
    if (r.connector) refuse("connector", "a down flow's records all go to its target");
    if (!r.links.empty()) refuse("links", "a down flow nests records with nest_in instead");
    if (!r.nest_in) {
      if (r.key_field && std::any_of(r.fields.begin(), r.fields.end(),
                                     [&](const FieldSpec& f) { return f.name == *r.key_field && !f.removed; })) {
        refuse("fields." + *r.key_field, "is the key_field: it takes the external_id");
      }
      return;
    }
    if (r.key_field || r.external_id) refuse("nest_in", "a nested record has no key_field or external_id of its own");
    auto parent = std::find_if(flow.records.begin(), flow.records.end(),
                               [&](const CompiledRecord& p) { return p.name == *r.nest_in; });
    if (parent == flow.records.end()) {
      refuse("nest_in", "'" + *r.nest_in + "' is not a record written before this one");
    } else if (!parent->nest_in.empty()) {
      refuse("nest_in", "'" + *r.nest_in + "' is itself nested: records nest one level deep");
    } else if (std::any_of(parent->fields.begin(), parent->fields.end(),
                           [&](const CompiledField& f) { return r.object && f.name == *r.object; })) {
      refuse("object", "'" + *r.object + "' is also a field of '" + *r.nest_in + "'");
    }
  }

  std::unique_ptr<CompiledFlow> Compile(const FlowSpec& spec, std::optional<FlowSpec> standard) {
    auto flow = std::make_unique<CompiledFlow>();
    flow->id = spec.id;
    flow->revision = spec.revision.value_or(0);
    const size_t errors_before = errors_.size();
    auto missing = [&](const std::string& key) {
      Error(spec.file, spec.line, key,
            "is required" + std::string(spec.extends ? " (in the flow or the one it extends)" : ""));
    };
    if (!spec.match || spec.match->message_types.empty()) missing("match.message_type");
    if (!spec.connector || spec.connector->empty()) missing("target.connector");
    if (spec.records.empty()) missing("records");
    flow->connector = spec.connector.value_or("");
    flow->down = spec.direction.value_or("up") == "down";
    if (!flow->connector.empty() && IsSapTarget(flow->connector) != flow->down) {
      Error(spec.file, spec.line, "target.connector",
            flow->down
                ? "a down flow's target is an SAP target at the agent: s4_odata or idoc_xml"
                : "'" + flow->connector + "' is an SAP target: only a flow with 'direction: down' writes to SAP");
    }
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
    if (spec.result) CompileResult(spec, *flow, maps);
    std::set<std::string> record_names;
    for (const RecordSpec& r : spec.records) {
      CompiledRecord rec;
      rec.name = r.name;
      if (!record_names.insert(r.name).second)
        Error(r.at.file, r.at.line, r.at.where, "duplicate record name '" + r.name + "'");
      auto need = [&](const std::string& key) { Error(r.at.file, r.at.line, r.at.where + "." + key, "is required"); };
      rec.nest_in = r.nest_in.value_or("");
      if (!r.object) need("object");
      if (rec.nest_in.empty()) {
        if (!r.key_field) need("key_field");
        if (!r.external_id) need("external_id");
      }
      if (flow->down) {
        CheckDownRecord(r, *flow);
      } else if (r.nest_in) {
        Error(r.at.file, r.at.line, r.at.where + ".nest_in", "only down flows nest records");
      }
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

}  // namespace

bool IsSapTarget(std::string_view connector) { return connector == "s4_odata" || connector == "idoc_xml"; }

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
          if (l.removed &&
              std::none_of(rec->links.begin(), rec->links.end(), [&](const LinkSpec& b) { return b.name == l.name; })) {
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

}  // namespace ferry::flows
