#pragma once
// FlowSet: the compiled flows of one bundle, and running them on a document.
//
// Compile once, run many times from any thread: a FlowSet is immutable.
// Compilation resolves `extends` (bundle files under "standard/" are the
// library flows extend; they do not run by themselves), parses every
// expression, and reports every error with file, line, key and reason.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/doc/document.h"
#include "common/flows/eval.h"
#include "common/flows/flow_spec.h"
#include "common/status.h"
#include "ferry/v1/event.pb.h"

namespace ferry::flows {

struct BundleFile {
  std::string path;  // relative, e.g. "acme.yaml" or "standard/debmas-account-salesforce.yaml"
  std::string text;
};

struct CompiledField {
  std::string name;
  ExprPtr value;
  std::optional<std::string> constant;
  bool required = false;
  ExprPtr when;
  ExprPtr otherwise;  // the value when `when` is false; null: leave the field out
  std::string where;  // key path, for messages
};

struct CompiledLink {
  std::string field, object, key_field;
  ExprPtr external_id;
};

struct CompiledRecord {
  std::string name, object, key_field, connector;
  std::string nest_in;  // down flows: nested in this record, as an array named `object`
  ExprPtr for_each;     // a path, or null: once per document
  ExprPtr when, external_id, delete_when;
  std::vector<CompiledField> fields;
  std::vector<CompiledLink> links;
};

struct CompiledResult {
  std::string connector, object, key_field, number_field, message_field;
  ExprPtr external_id;
};

// The SAP targets of down flows (target.connector): the agent runs them.
bool IsSapTarget(std::string_view connector);

struct CompiledFlow {
  std::string id;
  bool down = false;  // a CRM record to SAP
  int64_t revision = 0;
  std::string connector;
  std::vector<std::string> message_types, idoc_types;
  std::optional<std::string> source;
  ExprPtr match_when, drop_when;
  std::vector<ValueMap> value_maps;
  FlowEnvironment env;
  std::vector<CompiledRecord> records;
  std::optional<CompiledResult> result;
  FlowSpec spec;                     // as merged with its standard
  std::optional<FlowSpec> standard;  // the flow it extends
};

// What the source knows about a document besides its tree.
struct DocumentInfo {
  std::string_view source;        // source kind, e.g. "idoc_http"
  std::string_view message_type;  // MESTYP
  std::string_view idoc_type;     // IDOCTYP
  std::string_view cim_type;      // CIMTYP (extension), may be empty
  bool down = false;              // a CRM record on its way to SAP: only down flows match it
};

struct FlowOutcome {
  enum class Kind { kMapped, kDropped, kError };
  const CompiledFlow* flow = nullptr;
  Kind kind = Kind::kMapped;
  // Records grouped by the connector that delivers them (the flow's target,
  // or a record's own `connector`), in order of first use.
  std::vector<std::pair<std::string, std::vector<ferry::v1::MappedRecord>>> by_connector;
  std::string error;                               // kError: "flow F record R /path field X: reason"
  std::optional<ferry::v1::WriteBack> write_back;  // down flows with a `result`
};

struct RunResult {
  std::vector<FlowOutcome> outcomes;     // one per matching flow, in bundle order
  std::vector<std::string> not_matched;  // "flow F: reason", when explain was asked
  // Flows that take the document's type whose match.when said no: the
  // document is not for them, which is no error.
  size_t held_back_by_when = 0;
};

class FlowSet {
 public:
  static Result<std::shared_ptr<const FlowSet>> Compile(const std::vector<BundleFile>& files);

  RunResult Run(const doc::Document& document, const DocumentInfo& info, bool explain = false) const;

  const std::vector<std::unique_ptr<CompiledFlow>>& flows() const { return flows_; }

 private:
  std::vector<std::unique_ptr<CompiledFlow>> flows_;
};

// The JSON object of a record as docs/flows.md shows it (for flow test and
// the webhook connector).
std::string RecordJson(const ferry::v1::MappedRecord& record, const std::string& connector = "");

}  // namespace ferry::flows
