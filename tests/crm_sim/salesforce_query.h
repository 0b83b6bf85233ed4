#pragma once
// SOQL for the simulated Salesforce: GET /services/data/vNN.N/query?q=…,
// the subset a down flow needs to read one record whole.
//
//   SELECT <item>, … FROM <Object> WHERE Id = '<id>'
//
// An item is a field (StageName), a parent's field through a lookup
// (Account.SAP_Customer_Number__c: relationship X follows XId, custom Y__r
// follows Y__c; one level), or a child subquery (SELECT <fields and parent
// fields> FROM OpportunityLineItems), the child relationships being those
// of the schema (salesforce_schema.h). Keywords are case-insensitive.
//
// The answer is the REST API's: {"totalSize","done":true,"records":[…]},
// each record with "attributes" {type, url} and the items in the order
// selected; a parent that is not set is null, a subquery without rows is
// null, and field values are the record's JSON values (a field the record
// has not got is null). Errors are 400 with Salesforce's body
// [{"message","errorCode"}]: MALFORMED_QUERY for anything outside the
// subset, INVALID_TYPE for an unknown object or child relationship,
// INVALID_FIELD for an unknown relationship or a field a strict object does
// not have, INVALID_QUERY_FILTER_OPERATOR for an Id that cannot be one.

#include <string>
#include <string_view>

#include "tests/crm_sim/record_store.h"
#include "tests/crm_sim/salesforce_schema.h"

namespace ferry::crm_sim {

struct QueryAnswer {
  int status = 200;
  std::string body;  // JSON text: the result or the error array
};

// Runs `soql` (decoded) against `store`. `version` ("62.0") goes into the
// records' attributes.url. An object is known when the schema declares it
// or the store has ever held a record of it.
// `child_batch` (0: no limit) pages a subquery's rows as Salesforce does.
QueryAnswer RunSoqlQuery(std::string_view soql, RecordStore& store, const SalesforceSchema& schema,
                         std::string_view version, size_t child_batch = 0);

}  // namespace ferry::crm_sim
