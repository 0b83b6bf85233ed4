#pragma once
// The record writes of the simulated Salesforce, shared by the single
// upsert (PATCH …/sobjects/{SObject}/{ExtIdField}/{value}) and the sObject
// Collections upsert: match by external id, resolve relationship fields
// given by a parent's external id, validate, store.
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

class SalesforceWriter {
 public:
  using NewId = std::function<std::string(std::string_view object)>;
  SalesforceWriter(RecordStore& store, const SalesforceSchema& schema, NewId new_id)
      : store_(store), schema_(schema), new_id_(std::move(new_id)) {}

  // Errors for an "Id" or a `key_field` in a body keyed by the URL.
  static std::vector<SfError> CheckBodyKeys(const boost::json::object& body, std::string_view key_field);

  // Upserts `body` into the record of `object` whose `key_field` is
  // `key_value`. With `update_only`, a missing record is 404 NOT_FOUND.
  UpsertOutcome Upsert(std::string_view object, std::string_view key_field, const std::string& key_value,
                       const boost::json::object& body, bool update_only);

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
};

}  // namespace ferry::crm_sim
