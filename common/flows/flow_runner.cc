#include "common/flows/flow_set.h"

// FlowSet::Run: matching a document against the flows and building their
// records; and the JSON form of a record.

#include <algorithm>

#include "common/flows/json_text.h"

namespace ferry::flows {
namespace {

// Where in a record an error happened, made text only when one does: the
// mapping of every field must not build a string.
struct Where {
  std::string_view part;              // "external_id", "field", ...
  const std::string* name = nullptr;  // the field or link
  std::string Text() const { return name ? std::string(part) + " " + *name : std::string(part); }
};

struct Mapper {
  const CompiledFlow& flow;
  const doc::Document& document;

  std::string FieldsJson(const CompiledRecord& rec, const EvalContext& ctx, Where& where) const {
    std::string json = "{";
    bool first = true;
    for (const CompiledField& f : rec.fields) {
      where = {"field", &f.name};
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
    return json;
  }

  [[noreturn]] void Rethrow(EvalError& e, const CompiledRecord& rec, doc::NodeId node, const Where& where) const {
    e.message =
        "flow " + flow.id + " record " + rec.name + " " + document.PathOf(node) + " " + where.Text() + ": " + e.message;
    throw;
  }

  void Build(const CompiledRecord& rec, doc::NodeId node, ferry::v1::MappedRecord& out) const {
    const EvalContext ctx{document, node, flow.env};
    Where where{"external_id"};
    try {
      const Value id = Eval(*rec.external_id, ctx);
      if (id.is_blank()) throw EvalError{"is empty"};
      out.set_external_id(ToText(id));
      out.set_record(rec.name);
      out.set_object(rec.object);
      out.set_key_field(rec.key_field);
      where = {"delete_when"};
      out.set_action(rec.delete_when && EvalCondition(*rec.delete_when, ctx) ? "delete" : "upsert");
      std::string fields = FieldsJson(rec, ctx, where);
      if (flow.down) {
        // SAP keeps the CRM's id in the key field: the request carries it.
        out.set_action("create");
        std::string keyed = "{";
        AppendJsonString(keyed, rec.key_field);
        keyed += ':';
        AppendJsonString(keyed, out.external_id());
        if (fields.size() > 2) keyed += ',';
        fields = keyed + fields.substr(1);
      }
      out.set_fields_json(std::move(fields));
      for (const CompiledLink& l : rec.links) {
        where = {"link", &l.field};
        const Value id = Eval(*l.external_id, ctx);
        if (id.is_blank()) continue;  // nothing to link to
        ferry::v1::RecordLink* link = out.add_links();
        link->set_field(l.field);
        link->set_object(l.object);
        link->set_key_field(l.key_field);
        link->set_external_id(ToText(id));
      }
    } catch (EvalError& e) {
      Rethrow(e, rec, node, where);
    }
  }

  // A record of a down flow that nests in another: its fields become one
  // element of the array `rec.object` in the instance of its parent record
  // made from the nearest node above it (or the last one made).
  struct Made {
    const CompiledRecord* rec;
    doc::NodeId node;
    size_t index;                                             // in its connector group
    std::vector<std::pair<std::string, std::string>> arrays;  // object -> "a,b,c"
  };

  void Nest(const CompiledRecord& rec, doc::NodeId node, std::vector<Made>& made) const {
    Made* parent = nullptr;
    for (doc::NodeId up = node; up != doc::kNoNode && parent == nullptr; up = document.parent(up)) {
      for (auto it = made.rbegin(); it != made.rend(); ++it) {
        if (it->rec->name == rec.nest_in && it->node == up) {
          parent = &*it;
          break;
        }
      }
    }
    for (auto it = made.rbegin(); it != made.rend() && parent == nullptr; ++it) {
      if (it->rec->name == rec.nest_in) parent = &*it;
    }
    Where where{"nest_in"};
    try {
      if (parent == nullptr) throw EvalError{"no '" + rec.nest_in + "' record was made to nest this one in"};
      std::string json = FieldsJson(rec, EvalContext{document, node, flow.env}, where);
      auto array = std::find_if(parent->arrays.begin(), parent->arrays.end(),
                                [&](const auto& a) { return a.first == rec.object; });
      if (array == parent->arrays.end()) {
        parent->arrays.emplace_back(rec.object, std::move(json));
      } else {
        array->second += ',' + json;
      }
    } catch (EvalError& e) {
      Rethrow(e, rec, node, where);
    }
  }

  // OData V2 (SAP Gateway) takes a deep insert's navigation as
  // {"results": [...]}; other targets take the array itself.
  void Splice(std::vector<Made>& made, std::vector<ferry::v1::MappedRecord>& records) const {
    const bool v2 = flow.connector == "s4_odata";
    for (Made& m : made) {
      if (m.arrays.empty()) continue;
      std::string& json = *records[m.index].mutable_fields_json();
      json.pop_back();  // the closing brace
      for (const auto& [name, elements] : m.arrays) {
        if (json.size() > 1) json += ',';
        AppendJsonString(json, name);
        json += v2 ? ":{\"results\":[" + elements + "]}" : ":[" + elements + ']';
      }
      json += '}';
    }
  }

  void Run(FlowOutcome& outcome) const {
    const EvalContext root{document, document.root(), flow.env};
    std::vector<doc::NodeId> nodes;
    std::vector<Made> made;
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
        if (!rec.nest_in.empty()) {
          Nest(rec, node, made);
          continue;
        }
        auto group = std::find_if(outcome.by_connector.begin(), outcome.by_connector.end(),
                                  [&](const auto& g) { return g.first == connector; });
        if (group == outcome.by_connector.end()) {
          outcome.by_connector.emplace_back(connector, std::vector<ferry::v1::MappedRecord>{});
          group = outcome.by_connector.end() - 1;
        }
        if (flow.down) made.push_back(Made{&rec, node, group->second.size(), {}});
        Build(rec, node, group->second.emplace_back());
      }
    }
    // Down flows have one target, so every record made is in the first group.
    if (!made.empty()) Splice(made, outcome.by_connector.front().second);
    if (flow.result) outcome.write_back = WriteBackOf(*flow.result, root);
  }

  ferry::v1::WriteBack WriteBackOf(const CompiledResult& result, const EvalContext& root) const {
    ferry::v1::WriteBack out;
    out.set_connector(result.connector);
    out.set_number_field(result.number_field);
    out.set_message_field(result.message_field);
    ferry::v1::MappedRecord& record = *out.mutable_record();
    record.set_record("result");
    record.set_object(result.object);
    record.set_key_field(result.key_field);
    record.set_action("upsert");
    record.set_fields_json("{}");
    try {
      const Value id = Eval(*result.external_id, root);
      if (id.is_blank()) throw EvalError{"is empty"};
      record.set_external_id(ToText(id));
    } catch (EvalError& e) {
      e.message = "flow " + flow.id + " result external_id: " + e.message;
      throw;
    }
    return out;
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
  if (flow.down != info.down) return false;
  if (flow.source && *flow.source != info.source) return false;
  if (!Contains(flow.message_types, info.message_type)) return false;
  return flow.idoc_types.empty() || Contains(flow.idoc_types, info.idoc_type) ||
         (!info.cim_type.empty() && Contains(flow.idoc_types, info.cim_type));
}

std::string MissReason(const CompiledFlow& flow, const DocumentInfo& info) {
  if (flow.down != info.down) return flow.down ? "a down flow (CRM to SAP)" : "an up flow (SAP to a CRM)";
  if (flow.source && *flow.source != info.source)
    return "source " + std::string(info.source) + " is not " + *flow.source;
  if (!Contains(flow.message_types, info.message_type)) {
    return "message type " + std::string(info.message_type) + " is not " + ListText(flow.message_types);
  }
  return "IDoc type " + std::string(info.idoc_type) + " is not " + ListText(flow.idoc_types);
}

}  // namespace

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
        ++result.held_back_by_when;
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
