#include "tests/crm_sim/salesforce_query.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "tests/crm_sim/salesforce_soql.h"
#include "tests/crm_sim/sim_http.h"

namespace ferry::crm_sim {

namespace json = boost::json;

namespace {

struct QueryError {
  std::string code;
  std::string message;
};

// One selected item, resolved against the schema before any record is read:
// Salesforce refuses a query with a bad field even when no record matches.
struct Column {
  enum class Kind { kField, kParent, kChildren };
  Kind kind = Kind::kField;
  std::string key;              // the answer's key: the relationship's name (kParent, kChildren)
  std::string field;            // kField, kParent: the field read
  std::string object;           // kParent: the parent's object; kChildren: the children's
  std::string id_field;         // kParent: the lookup on this record; kChildren: the children's lookup to it
  std::vector<Column> columns;  // kChildren
};

QueryAnswer Error(const QueryError& error) {
  json::array body{json::object{{"message", error.message}, {"errorCode", error.code}}};
  return {400, json::serialize(body)};
}

// 15 case-sensitive or 18 case-insensitive letters and digits.
bool IsIdText(const std::string& id) {
  return (id.size() == 15 || id.size() == 18) &&
         std::all_of(id.begin(), id.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
}

class QueryRun {
 public:
  QueryRun(RecordStore& store, const SalesforceSchema& schema, std::string_view version, size_t child_batch)
      : store_(store), schema_(schema), version_(version), child_batch_(child_batch), tables_(TableNames(store)) {}

  // Declared, or written at least once: undeclared objects take any field.
  bool Known(std::string_view object) const { return schema_.Find(object) || Table(object); }

  // The object's name as Salesforce spells it in attributes.type.
  std::string TypeName(std::string_view object) const {
    if (const SObjectSpec* spec = schema_.Find(object)) return spec->name;
    if (const std::string* name = Table(object)) return *name;
    return std::string(object);
  }

  std::optional<QueryError> Resolve(const SoqlSelect& select, std::string_view object, std::vector<Column>& out) const {
    for (const SoqlItem& item : select.items) {
      Column column;
      if (item.subquery) {
        const SfChildRelationship* child = schema_.ChildRelationship(object, item.subquery->from);
        if (!child) {
          return QueryError{"INVALID_TYPE",
                            "Didn't understand relationship '" + item.subquery->from + "' in FROM part of query call."};
        }
        column = Column{Column::Kind::kChildren, child->name, {}, child->object, child->id_field, {}};
        if (auto error = Resolve(*item.subquery, child->object, column.columns)) return error;
      } else if (item.relationship.empty()) {
        if (!Allows(object, item.field)) return NoSuchColumn(item.field, object);
        column = Column{Column::Kind::kField, item.field, item.field, {}, {}, {}};
      } else {
        const SfRelationship rel = schema_.Relationship(object, item.relationship, json::object());
        if (rel.parent_object.empty() || !Known(rel.parent_object) || !Allows(object, rel.id_field)) {
          return QueryError{"INVALID_FIELD",
                            "Didn't understand relationship '" + item.relationship + "' in field path."};
        }
        if (!Allows(rel.parent_object, item.field)) return NoSuchColumn(item.field, rel.parent_object);
        // Account.Name answers under "Account" whatever case the query used.
        const std::string key =
            IEquals(item.relationship, rel.parent_object) ? TypeName(rel.parent_object) : item.relationship;
        column = Column{Column::Kind::kParent, key, item.field, rel.parent_object, rel.id_field, {}};
      }
      out.push_back(std::move(column));
    }
    return std::nullopt;
  }

  // The record with `id`; a 15-character id names the 18-character one it begins.
  const Record* FindById(std::string_view object, const std::string& id) const {
    if (const Record* record = store_.Get(object, id)) return record;
    if (id.size() != 15) return nullptr;
    for (const Record* record : store_.Records(object)) {
      if (record->id.compare(0, 15, id) == 0) return record;
    }
    return nullptr;
  }

  json::object Render(const Record& record, std::string_view object, const std::vector<Column>& columns) {
    const std::string type = TypeName(object);
    json::object out{{"attributes", Attributes(type, record.id)}};
    for (const Column& column : columns) {
      switch (column.kind) {
        case Column::Kind::kField:
          out[FieldKey(record, column.field)] = FieldValue(record, column.field);
          break;
        case Column::Kind::kParent: {
          const Record* parent = Parent(record, column);
          if (!out.contains(column.key)) {
            out[column.key] =
                parent ? json::value(json::object{{"attributes", Attributes(TypeName(column.object), parent->id)}})
                       : json::value(nullptr);
          }
          // Several fields of one parent share its object.
          if (parent) out[column.key].as_object()[FieldKey(*parent, column.field)] = FieldValue(*parent, column.field);
          break;
        }
        case Column::Kind::kChildren: {
          const std::vector<const Record*> children = store_.Find(column.object, {{column.id_field, record.id}});
          if (children.empty()) {
            out[column.key] = nullptr;  // as Salesforce answers a subquery without rows
            break;
          }
          json::array rows;
          for (const Record* child : children) {
            if (child_batch_ > 0 && rows.size() == child_batch_) break;
            rows.push_back(Render(*child, column.object, column.columns));
          }
          json::object result{{"totalSize", static_cast<int64_t>(children.size())},
                              {"done", rows.size() == children.size()},
                              {"records", std::move(rows)}};
          if (children.size() > child_batch_ && child_batch_ > 0) {
            // Where the rest would be: a query locator, as Salesforce gives one.
            result["nextRecordsUrl"] =
                "/services/data/v" + std::string(version_) + "/query/01gFERRY000000001-" + std::to_string(child_batch_);
          }
          out[column.key] = std::move(result);
          break;
        }
      }
    }
    return out;
  }

 private:
  static std::vector<std::string> TableNames(const RecordStore& store) {
    std::vector<std::string> names;
    for (const auto& [name, count] : store.Counts()) names.emplace_back(name);
    return names;
  }

  const std::string* Table(std::string_view object) const {
    for (const std::string& name : tables_) {
      if (IEquals(name, object)) return &name;
    }
    return nullptr;
  }

  bool Allows(std::string_view object, std::string_view field) const {
    if (IEquals(field, "Id")) return true;
    const SObjectSpec* spec = schema_.Find(object);
    return !spec || spec->rules.Allows(field);
  }

  static QueryError NoSuchColumn(const std::string& field, std::string_view object) {
    return {"INVALID_FIELD", "No such column '" + field + "' on entity '" + std::string(object) + "'."};
  }

  json::object Attributes(const std::string& type, const std::string& id) const {
    return {{"type", type}, {"url", "/services/data/v" + version_ + "/sobjects/" + type + "/" + id}};
  }

  // The field's name as the record spells it ("Id" for the id).
  static std::string FieldKey(const Record& record, const std::string& field) {
    if (IEquals(field, "Id")) return "Id";
    for (const auto& [name, value] : record.fields) {
      if (IEquals(name, field)) return std::string(name);
    }
    return field;
  }

  static json::value FieldValue(const Record& record, const std::string& field) {
    if (IEquals(field, "Id")) return json::value(json::string(record.id));
    const json::value* value = FindField(record.fields, field, /*ignore_case=*/true);
    return value ? *value : json::value(nullptr);
  }

  // The record `column`'s lookup on `record` names, or null when unset.
  const Record* Parent(const Record& record, const Column& column) const {
    const json::value* id = FindField(record.fields, column.id_field, /*ignore_case=*/true);
    const std::optional<std::string> text = id ? ScalarText(*id) : std::nullopt;
    return text && !text->empty() ? FindById(column.object, *text) : nullptr;
  }

  RecordStore& store_;
  const SalesforceSchema& schema_;
  std::string version_;
  size_t child_batch_ = 0;
  std::vector<std::string> tables_;
};

}  // namespace

QueryAnswer RunSoqlQuery(std::string_view soql, RecordStore& store, const SalesforceSchema& schema,
                         std::string_view version, size_t child_batch) {
  auto query = ParseSoql(soql);
  if (!query.ok()) return Error({"MALFORMED_QUERY", query.status().message()});
  QueryRun run(store, schema, version, child_batch);
  if (!run.Known(query->from)) {
    return Error({"INVALID_TYPE", "sObject type '" + query->from + "' is not supported."});
  }
  std::vector<Column> columns;
  if (auto error = run.Resolve(*query, query->from, columns)) return Error(*error);
  if (!IsIdText(query->id)) return Error({"INVALID_QUERY_FILTER_OPERATOR", "invalid ID field: " + query->id});
  json::array records;
  if (const Record* record = run.FindById(query->from, query->id)) {
    records.push_back(run.Render(*record, query->from, columns));
  }
  const json::object result{
      {"totalSize", static_cast<int64_t>(records.size())}, {"done", true}, {"records", std::move(records)}};
  return {200, SerializeWithDecimals(result)};
}

}  // namespace ferry::crm_sim
