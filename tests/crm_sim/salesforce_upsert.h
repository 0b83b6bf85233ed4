#pragma once
// The record writes of the simulated Salesforce, shared by the single
// upsert (PATCH …/sobjects/{SObject}/{ExtIdField}/{value}), the update by
// Id (PATCH …/sobjects/{SObject}/{Id}), the create (POST
// …/sobjects/{SObject}) and the sObject Collections upsert: match by
// external id, resolve relationship fields given by a parent's external id,
// validate, store, and tell the observer (outbound messages) what changed.
//
// Errors are kept neutral (SfError) and shaped at the edge: the REST API
// writes {"message","errorCode","fields"}, a collection result
// {"statusCode","message","fields"} (docs/protocols.md §B.1).

#include <boost/json.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/crm_sim/record_store.h"
#include "tests/crm_sim/salesforce_schema.h"

namespace ferry::crm_sim {

struct SfError {
  std::string code;
  std::string message;
  std::vector<std::string> fields;
};
boost::json::array RestErrors(const std::vector<SfError>& errors);    // errorCode
boost::json::array ResultErrors(const std::vector<SfError>& errors);  // statusCode

struct UpsertOutcome {
  int status = 0;  // 201 created, 200 updated, 300 several matches, 400 or 404 refused
  std::string id;
  std::vector<SfError> errors;
  std::vector<std::string> matches;  // the matching ids, for 300
};

// Told of every record the writer stores. Rolled-back writes are told
// too: an observer that acts on writes holds its actions until the group's
// outcome is known.
class SfWriteObserver {
 public:
  virtual ~SfWriteObserver() = default;
  // Whether writes to `object` interest it: only then is a record's state
  // before an update copied for Written.
  virtual bool Watches(std::string_view object) const = 0;
  // Record `id` of `object` was written: `before` is its fields before the
  // write (null for a create), `after` its fields now.
  virtual void Written(std::string_view object, const std::string& id, const boost::json::object* before,
                       const boost::json::object& after) = 0;
};

class SalesforceWriter {
 public:
  using NewId = std::function<std::string(std::string_view object)>;
  SalesforceWriter(RecordStore& store, const SalesforceSchema& schema, NewId new_id)
      : store_(store), schema_(schema), new_id_(std::move(new_id)) {}

  // Null: nobody is told. The observer must outlive the writer's use.
  void set_observer(SfWriteObserver* observer) { observer_ = observer; }

  // Errors for an "Id" or a `key_field` in a body keyed by the URL.
  static std::vector<SfError> CheckBodyKeys(const boost::json::object& body, std::string_view key_field);

  // Upserts `body` into the record of `object` whose `key_field` is
  // `key_value`. With `update_only`, a missing record is 404 NOT_FOUND.
  UpsertOutcome Upsert(std::string_view object, std::string_view key_field, const std::string& key_value,
                       const boost::json::object& body, bool update_only);
  // Creates a record of `object` from `body` (no "Id" in it: 400
  // INVALID_FIELD_FOR_INSERT_UPDATE). 201 with the new id, or 400.
  UpsertOutcome Create(std::string_view object, const boost::json::object& body);

  // Records whose `key_field` is `key_value`. `Id` is the record's own id:
  // Salesforce takes it as the key of an upsert, which then only updates.
  std::vector<const Record*> Match(std::string_view object, std::string_view key_field, const std::string& key_value) {
    if (IsIdField(key_field)) {
      const Record* record = store_.Get(object, key_value);
      return record ? std::vector<const Record*>{record} : std::vector<const Record*>{};
    }
    return store_.Find(object, {{std::string(key_field), key_value}});
  }
  static bool IsIdField(std::string_view field) {
    return field.size() == 2 && (field[0] | 0x20) == 'i' && (field[1] | 0x20) == 'd';
  }

 private:
  // Replaces relationship fields ("Account": {"SAP_Customer_Number__c": "1"})
  // by the parent's Id under the lookup field (AccountId).
  std::vector<SfError> ResolveRelationships(std::string_view object, boost::json::object& body);
  std::vector<SfError> Validate(std::string_view object, const boost::json::object& written,
                                const boost::json::object& merged) const;

  RecordStore& store_;
  const SalesforceSchema& schema_;
  NewId new_id_;
  SfWriteObserver* observer_ = nullptr;
};

}  // namespace ferry::crm_sim
