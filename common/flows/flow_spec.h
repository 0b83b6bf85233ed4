#pragma once
// FlowSpec: a flow file as written, before compilation. Loading checks the
// YAML's shape (known keys, required keys, types) and keeps each
// expression's source with its file and line, so that merging a flow into
// the standard flow it extends, diffing the two and compiling the result can
// all report errors where the user wrote the text.

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace ferry::flows {

// A piece of flow source and where it was written.
struct Located {
  std::string text;
  std::string file;
  int line = 0;
  std::string where;  // the key path, e.g. records[0].fields.Name
  bool operator==(const Located& o) const { return text == o.text; }
};

struct FieldSpec {
  std::string name;
  int line = 0;                     // where the field is written
  bool removed = false;             // "Field: ~" in an extending flow
  std::optional<Located> value;     // an expression ...
  std::optional<Located> constant;  // ... or a constant text
  bool required = false;
  std::optional<Located> when;
  std::optional<Located> otherwise;  // `else`: the value when `when` is false
  bool operator==(const FieldSpec& o) const {
    return name == o.name && removed == o.removed && value == o.value && constant == o.constant &&
           required == o.required && when == o.when && otherwise == o.otherwise;
  }
};

struct LinkSpec {
  std::string name;
  int line = 0;
  bool removed = false;
  std::string object;
  std::string key_field;
  std::optional<Located> external_id;
  bool operator==(const LinkSpec& o) const {
    return name == o.name && removed == o.removed && object == o.object && key_field == o.key_field &&
           external_id == o.external_id;
  }
};

struct RecordSpec {
  std::string name;
  Located at;  // where the record starts (file/line)
  std::optional<std::string> object, key_field, connector;
  std::optional<std::string> nest_in;  // down flows: the record this one is nested in
  std::optional<Located> for_each, when, external_id, delete_when;
  std::vector<FieldSpec> fields;
  std::vector<LinkSpec> links;
};

struct ValueMapSpec {
  std::string name;
  Located at;
  std::vector<std::pair<std::string, std::string>> values;  // in file order
  std::optional<std::string> unmapped;
  std::optional<std::string> fallback;
};

struct MatchSpec {
  std::vector<std::string> message_types;
  std::vector<std::string> idoc_types;
  std::optional<std::string> source;
  std::optional<Located> when;
};

// Down flows: the CRM record SAP's answer is written back to.
struct ResultSpec {
  int line = 0;
  std::optional<std::string> connector, object, key_field, number_field, message_field;
  std::optional<Located> external_id;
  bool operator==(const ResultSpec& o) const {
    return connector == o.connector && object == o.object && key_field == o.key_field &&
           number_field == o.number_field && message_field == o.message_field && external_id == o.external_id;
  }
};

struct FlowSpec {
  std::string id;
  std::string file;
  int line = 0;
  std::optional<int64_t> revision;
  std::optional<std::string> description, extends, connector, timezone;
  std::optional<std::string> direction;  // "up" (SAP to a CRM, the default) or "down"
  std::optional<MatchSpec> match;
  std::optional<ResultSpec> result;
  std::optional<Located> drop_when;
  std::vector<ValueMapSpec> value_maps;
  std::vector<RecordSpec> records;
};

// Reads every flow in one YAML text (a file holds one flow, or a `flows:`
// list). Errors: InvalidArgument with one "file:line: key: reason" per line.
Result<std::vector<FlowSpec>> LoadFlowSpecs(const std::string& text, const std::string& file);

// The flow `child` applied on top of `base` (docs/flows.md, "Extending a
// standard flow"). The result has the child's id and location.
FlowSpec MergeFlow(const FlowSpec& base, const FlowSpec& child);

// One line per difference between a standard flow and the merged user flow:
// "+ key: value", "- key" or "~ key: standard → yours".
std::vector<std::string> DiffFlows(const FlowSpec& standard, const FlowSpec& merged);

}  // namespace ferry::flows
