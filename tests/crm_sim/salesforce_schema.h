#pragma once
// What the simulated Salesforce org knows about its SObjects: field rules,
// the external id fields an upsert may key on, relationship names (Contact's
// "Account" → Account through AccountId), and the Id key prefixes. Object
// and field names are case-insensitive, as in Salesforce.
//
// Built in: Account, Contact, Product2, Opportunity and OpportunityLineItem,
// and the custom objects of Ferry's standard flows. An object not declared
// accepts any field and any external id field. POST /_sim/config
// {"vendor":"salesforce","objects":{"Account":{"external_ids":[…],
// "relationships":{"Parent":{"object":"Account","field":"ParentId"}},
// "child_relationships":{"Contacts":{"object":"Contact","field":"AccountId"}},
// "key_prefix":"001", <ObjectSchema keys>}}} extends it.

#include <boost/json.hpp>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "tests/crm_sim/object_schema.h"

namespace ferry::crm_sim {

struct SfRelationship {
  std::string parent_object;  // empty: unknown
  std::string id_field;       // where the parent's Id is stored: AccountId, Account__c
};

// A child relationship, as a SOQL subquery names it: Opportunity's
// "OpportunityLineItems" are the OpportunityLineItem records whose
// OpportunityId is the opportunity's Id.
struct SfChildRelationship {
  std::string name;      // as declared: "OpportunityLineItems"
  std::string object;    // the children's object: "OpportunityLineItem"
  std::string id_field;  // the children's lookup to the parent: "OpportunityId"
};

struct SObjectSpec {
  std::string name;  // as declared: "Account"
  ObjectSchema rules{/*ignore_case=*/true};
  std::vector<std::string> external_ids;
  std::map<std::string, SfRelationship> relationships;             // by lower-cased relationship name
  std::map<std::string, SfChildRelationship> child_relationships;  // by lower-cased relationship name
  std::string key_prefix;
};

class SalesforceSchema {
 public:
  SalesforceSchema();

  // null when the object is not declared.
  const SObjectSpec* Find(std::string_view object) const;
  // The value of the "objects" config key. InvalidArgument names the bad key.
  Status Merge(const boost::json::object& objects);

  // Whether an upsert of `object` may key on `field`.
  bool IsExternalId(std::string_view object, std::string_view field) const;
  // What the relationship field `name` of `object` refers to; `nested` is
  // its value ({"attributes":{"type":…}} names the parent when present).
  SfRelationship Relationship(std::string_view object, std::string_view name, const boost::json::object& nested) const;
  // The child relationship `name` of `object`, or null when it has none.
  const SfChildRelationship* ChildRelationship(std::string_view object, std::string_view name) const;
  // The three-character Id prefix of `object` ("001" for Account).
  std::string KeyPrefix(std::string_view object);

 private:
  SObjectSpec& Declare(std::string_view object);

  std::map<std::string, SObjectSpec> objects_;   // by lower-cased name
  std::map<std::string, std::string> prefixes_;  // handed out to custom objects
};

}  // namespace ferry::crm_sim
