#include "common/flows/flow_spec.h"

#include <algorithm>
#include <set>

namespace ferry::flows {
namespace {

// Collects "file:line: key: reason" errors while walking a flow file.
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  void Error(const YAML::Node& node, const std::string& key, const std::string& reason) {
    errors_.push_back(file_ + ":" + std::to_string(Line(node)) + ": " + key + ": " + reason);
  }
  int Line(const YAML::Node& node) const { return node.Mark().line + 1; }
  const std::string& file() const { return file_; }
  bool failed() const { return !errors_.empty(); }
  std::string Joined() const {
    std::string out;
    for (const std::string& e : errors_) out += (out.empty() ? "" : "\n") + e;
    return out;
  }

  // Unknown keys are errors: a typo must not silently drop a mapping rule.
  bool CheckKeys(const YAML::Node& map, const std::string& where, std::initializer_list<std::string_view> known) {
    if (!map.IsMap()) {
      Error(map, where, "expected a mapping");
      return false;
    }
    UniqueKeys(map, where);
    for (const auto& kv : map) {
      const std::string key = kv.first.Scalar();
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        Error(kv.first, Join(where, key), "unknown key");
      }
    }
    return true;
  }

  // YAML parsers keep one of two equal keys without a word; a flow where a
  // field is written twice is almost certainly a mistake, so refuse it. A
  // null or empty key (`~:`) names nothing.
  void UniqueKeys(const YAML::Node& map, const std::string& where) {
    std::set<std::string> seen;
    for (const auto& kv : map) {
      if (!kv.first.IsScalar() || kv.first.IsNull() || kv.first.Scalar().empty()) {
        Error(kv.first, where, "a key is empty or null");
        continue;
      }
      if (!seen.insert(kv.first.Scalar()).second) {
        Error(kv.first, Join(where, kv.first.Scalar()), "written twice");
      }
    }
  }

  std::optional<std::string> Text(const YAML::Node& map, const std::string& where, const std::string& key) {
    const YAML::Node n = map[key];
    if (!n.IsDefined() || n.IsNull()) return std::nullopt;
    if (!n.IsScalar()) {
      Error(n, Join(where, key), "expected a single value");
      return std::nullopt;
    }
    return n.Scalar();
  }
  std::optional<Located> Expression(const YAML::Node& map, const std::string& where, const std::string& key) {
    const YAML::Node n = map[key];
    std::optional<std::string> text = Text(map, where, key);
    if (!text) return std::nullopt;
    return Located{*text, file_, Line(n), Join(where, key)};
  }
  std::vector<std::string> TextList(const YAML::Node& map, const std::string& where, const std::string& key) {
    const YAML::Node n = map[key];
    std::vector<std::string> out;
    if (!n.IsDefined() || n.IsNull()) return out;
    if (n.IsScalar()) {
      out.push_back(n.Scalar());
    } else if (n.IsSequence()) {
      for (const auto& item : n) {
        if (item.IsScalar()) {
          out.push_back(item.Scalar());
        } else {
          Error(item, Join(where, key), "expected a list of values");
        }
      }
    } else {
      Error(n, Join(where, key), "expected a value or a list of values");
    }
    return out;
  }

  static std::string Join(const std::string& where, const std::string& key) {
    return where.empty() ? key : where + "." + key;
  }

 private:
  std::string file_;
  std::vector<std::string> errors_;
};

FieldSpec ReadField(Reader& r, const std::string& name, const YAML::Node& node, const std::string& where) {
  FieldSpec f;
  f.name = name;
  f.line = r.Line(node);
  if (node.IsNull()) {
    f.removed = true;
  } else if (node.IsScalar()) {
    f.value = Located{node.Scalar(), r.file(), r.Line(node), where};
  } else if (r.CheckKeys(node, where, {"value", "const", "required", "when", "else"})) {
    f.value = r.Expression(node, where, "value");
    if (node["const"].IsDefined()) {
      f.constant = Located{node["const"].IsScalar() ? node["const"].Scalar() : "", r.file(), r.Line(node["const"]),
                           Reader::Join(where, "const")};
    }
    if (f.value && f.constant) r.Error(node, where, "give either 'value' or 'const', not both");
    if (!f.value && !f.constant) r.Error(node, where, "'value' or 'const' is required");
    if (std::optional<std::string> req = r.Text(node, where, "required")) {
      if (*req != "true" && *req != "false") r.Error(node["required"], where + ".required", "expected true or false");
      f.required = *req == "true";
    }
    f.when = r.Expression(node, where, "when");
    f.otherwise = r.Expression(node, where, "else");
    if (f.otherwise && !f.when) r.Error(node["else"], where + ".else", "needs a 'when'");
  }
  return f;
}

LinkSpec ReadLink(Reader& r, const std::string& name, const YAML::Node& node, const std::string& where) {
  LinkSpec l;
  l.name = name;
  l.line = r.Line(node);
  if (node.IsNull()) {
    l.removed = true;
    return l;
  }
  if (!r.CheckKeys(node, where, {"object", "key_field", "external_id"})) return l;
  l.object = r.Text(node, where, "object").value_or("");
  l.key_field = r.Text(node, where, "key_field").value_or("");
  l.external_id = r.Expression(node, where, "external_id");
  if (l.object.empty() || l.key_field.empty() || !l.external_id) {
    r.Error(node, where, "a link needs object, key_field and external_id");
  }
  return l;
}

RecordSpec ReadRecord(Reader& r, const YAML::Node& node, const std::string& where) {
  RecordSpec rec;
  rec.at = Located{"", r.file(), r.Line(node), where};
  if (!r.CheckKeys(node, where,
                   {"name", "object", "for_each", "when", "external_id", "key_field", "delete_when", "connector",
                    "nest_in", "fields", "links"})) {
    return rec;
  }
  rec.name = r.Text(node, where, "name").value_or("");
  if (rec.name.empty()) r.Error(node, where, "'name' is required (extends and diff refer to records by name)");
  rec.object = r.Text(node, where, "object");
  rec.key_field = r.Text(node, where, "key_field");
  rec.connector = r.Text(node, where, "connector");
  rec.nest_in = r.Text(node, where, "nest_in");
  rec.for_each = r.Expression(node, where, "for_each");
  rec.when = r.Expression(node, where, "when");
  rec.external_id = r.Expression(node, where, "external_id");
  rec.delete_when = r.Expression(node, where, "delete_when");
  if (const YAML::Node fields = node["fields"]; fields.IsDefined() && !fields.IsNull()) {
    if (!fields.IsMap()) {
      r.Error(fields, where + ".fields", "expected a mapping of target field to expression");
    } else {
      r.UniqueKeys(fields, where + ".fields");
      for (const auto& kv : fields) {
        const std::string name = kv.first.Scalar();
        rec.fields.push_back(ReadField(r, name, kv.second, where + ".fields." + name));
      }
    }
  }
  if (const YAML::Node links = node["links"]; links.IsDefined() && !links.IsNull()) {
    if (!links.IsMap()) {
      r.Error(links, where + ".links", "expected a mapping of target field to link");
    } else {
      r.UniqueKeys(links, where + ".links");
      for (const auto& kv : links) {
        const std::string name = kv.first.Scalar();
        rec.links.push_back(ReadLink(r, name, kv.second, where + ".links." + name));
      }
    }
  }
  return rec;
}

ValueMapSpec ReadValueMap(Reader& r, const std::string& name, const YAML::Node& node, const std::string& where) {
  ValueMapSpec m;
  m.name = name;
  m.at = Located{"", r.file(), r.Line(node), where};
  if (!r.CheckKeys(node, where, {"values", "unmapped", "default"})) return m;
  const YAML::Node values = node["values"];
  if (!values.IsDefined()) {
    r.Error(node, where, "'values' is required");
  } else if (!values.IsMap()) {
    r.Error(values, where + ".values", "expected a mapping of SAP value to target value");
  } else {
    r.UniqueKeys(values, where + ".values");
    for (const auto& kv : values) {
      if (!kv.second.IsScalar() && !kv.second.IsNull()) {
        r.Error(kv.second, where + ".values." + kv.first.Scalar(), "expected a single value");
        continue;
      }
      m.values.emplace_back(kv.first.Scalar(), kv.second.IsNull() ? "" : kv.second.Scalar());
    }
  }
  m.unmapped = r.Text(node, where, "unmapped");
  // `unmapped: null` unquoted is a YAML null: it means the mode "null".
  if (node["unmapped"].IsDefined() && node["unmapped"].IsNull()) m.unmapped = "null";
  if (m.unmapped && *m.unmapped != "error" && *m.unmapped != "null" && *m.unmapped != "keep" &&
      *m.unmapped != "default") {
    r.Error(node["unmapped"], where + ".unmapped", "expected error, null, keep or default, not '" + *m.unmapped + "'");
  }
  m.fallback = r.Text(node, where, "default");
  if (node["default"].IsDefined() && node["default"].IsNull()) m.fallback = "";
  return m;
}

std::optional<FlowSpec> ReadFlow(Reader& r, const YAML::Node& node, const std::string& where) {
  if (!r.CheckKeys(node, where,
                   {"flow", "revision", "description", "extends", "direction", "match", "target", "result", "timezone",
                    "drop_when", "value_maps", "records"})) {
    return std::nullopt;
  }
  FlowSpec f;
  f.file = r.file();
  f.line = r.Line(node);
  f.id = r.Text(node, where, "flow").value_or("");
  const std::string id_key = Reader::Join(where, "flow");
  if (f.id.empty()) {
    r.Error(node, id_key, "is required (the flow's id)");
  } else if (f.id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos ||
             f.id.front() == '-') {
    r.Error(node["flow"], id_key, "'" + f.id + "' is not a valid id (lowercase letters, digits and '-')");
  }
  if (std::optional<std::string> rev = r.Text(node, where, "revision")) {
    if (rev->empty() || rev->find_first_not_of("0123456789") != std::string::npos || rev->size() > 9) {
      r.Error(node["revision"], Reader::Join(where, "revision"), "expected a whole number");
    } else {
      f.revision = std::stoll(*rev);
    }
  }
  f.description = r.Text(node, where, "description");
  f.extends = r.Text(node, where, "extends");
  f.timezone = r.Text(node, where, "timezone");
  f.direction = r.Text(node, where, "direction");
  if (f.direction && *f.direction != "up" && *f.direction != "down") {
    r.Error(node["direction"], Reader::Join(where, "direction"), "expected 'up' or 'down'");
  }
  f.drop_when = r.Expression(node, where, "drop_when");
  if (const YAML::Node m = node["match"]; m.IsDefined()) {
    const std::string mw = Reader::Join(where, "match");
    if (r.CheckKeys(m, mw, {"message_type", "idoc_type", "source", "when"})) {
      MatchSpec match;
      match.message_types = r.TextList(m, mw, "message_type");
      match.idoc_types = r.TextList(m, mw, "idoc_type");
      match.source = r.Text(m, mw, "source");
      match.when = r.Expression(m, mw, "when");
      f.match = std::move(match);
    }
  }
  if (const YAML::Node t = node["target"]; t.IsDefined()) {
    const std::string tw = Reader::Join(where, "target");
    if (r.CheckKeys(t, tw, {"connector"})) f.connector = r.Text(t, tw, "connector");
  }
  if (const YAML::Node res = node["result"]; res.IsDefined()) {
    const std::string rw = Reader::Join(where, "result");
    if (r.CheckKeys(res, rw, {"connector", "object", "key_field", "external_id", "number_field", "message_field"})) {
      ResultSpec result;
      result.line = r.Line(res);
      result.connector = r.Text(res, rw, "connector");
      result.object = r.Text(res, rw, "object");
      result.key_field = r.Text(res, rw, "key_field");
      result.external_id = r.Expression(res, rw, "external_id");
      result.number_field = r.Text(res, rw, "number_field");
      result.message_field = r.Text(res, rw, "message_field");
      f.result = std::move(result);
    }
  }
  if (const YAML::Node maps = node["value_maps"]; maps.IsDefined() && !maps.IsNull()) {
    const std::string mw = Reader::Join(where, "value_maps");
    if (!maps.IsMap()) {
      r.Error(maps, mw, "expected a mapping of map name to value map");
    } else {
      r.UniqueKeys(maps, mw);
      for (const auto& kv : maps) {
        f.value_maps.push_back(ReadValueMap(r, kv.first.Scalar(), kv.second, mw + "." + kv.first.Scalar()));
      }
    }
  }
  if (const YAML::Node records = node["records"]; records.IsDefined() && !records.IsNull()) {
    const std::string rw = Reader::Join(where, "records");
    if (!records.IsSequence()) {
      r.Error(records, rw, "expected a list of records");
    } else {
      for (size_t i = 0; i < records.size(); ++i) {
        f.records.push_back(ReadRecord(r, records[i], rw + "[" + std::to_string(i) + "]"));
      }
    }
  }
  return f;
}

}  // namespace

Result<std::vector<FlowSpec>> LoadFlowSpecs(const std::string& text, const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(file + ":" + std::to_string(e.mark.line + 1) + ":" +
                                   std::to_string(e.mark.column + 1) + ": YAML error: " + e.msg);
  }
  Reader r(file);
  std::vector<FlowSpec> flows;
  if (!root.IsMap()) {
    r.Error(root, "(file)", "expected a flow (a mapping with 'flow:') or a 'flows:' list");
  } else if (root["flows"].IsDefined()) {
    r.CheckKeys(root, "", {"flows"});
    const YAML::Node list = root["flows"];
    if (!list.IsSequence()) {
      r.Error(list, "flows", "expected a list of flows");
    } else {
      for (size_t i = 0; i < list.size(); ++i) {
        if (auto f = ReadFlow(r, list[i], "flows[" + std::to_string(i) + "]")) flows.push_back(std::move(*f));
      }
    }
  } else if (auto f = ReadFlow(r, root, "")) {
    flows.push_back(std::move(*f));
  }
  if (r.failed()) return Status::InvalidArgument(r.Joined());
  return flows;
}

}  // namespace ferry::flows
