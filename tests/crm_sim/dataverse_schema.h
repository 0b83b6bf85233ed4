#pragma once
// What the simulated Dataverse environment knows about its tables: entity
// set name → logical name, the active alternate keys, field rules and
// navigation properties. Names are case-sensitive (logical names are
// lower-case).
//
// Built in, as Ferry's standard flows assume: accounts (alternate key
// accountnumber; name required, at most 160 characters), contacts
// (ferry_sapcontactnumber; parentcustomerid_account), products
// (productnumber; defaultuomid → uoms), uoms, transactioncurrencies,
// salesorders (customerid_account, customerid_contact,
// transactioncurrencyid; order_details) and salesorderdetails
// (salesorderid, productid, uomid). An entity set not
// declared does not exist (404). Extended by POST /_sim/config
// {"vendor":"dataverse","entity_sets":{"ferry_shipments":
// {"logical_name":"ferry_shipment", "keys":[["ferry_number"], ["k1","k2"]],
//  "lookups":{"ferry_orderid":{"column":"ferry_orderid","entity_set":"salesorders"}},
//  "collections":{"ferry_shipment_items":{"entity_set":"ferry_items","column":"ferry_shipmentid"}},
//  <ObjectSchema keys>}}}; a key given as a string is a one-column key.

#include <boost/json.hpp>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "tests/crm_sim/object_schema.h"
#include "tests/crm_sim/record_store.h"

namespace ferry::crm_sim {

// A single-valued navigation property ("customerid_account"): bound with
// "nav@odata.bind", it sets lookup `column` to a row of `entity_set`; the
// row keeps the GUID as "_<column>_value".
struct LookupNavigation {
  std::string column;      // "customerid"
  std::string entity_set;  // "accounts"

  std::string ValueField() const { return "_" + column + "_value"; }
};

// A collection-valued navigation property ("order_details"): the rows of
// `entity_set` whose lookup `column` holds this row's GUID.
struct CollectionNavigation {
  std::string entity_set;  // "salesorderdetails"
  std::string column;      // "salesorderid"
};

struct EntitySetSpec {
  std::string name;          // "accounts"
  std::string logical_name;  // "account"
  std::vector<std::vector<std::string>> keys;
  ObjectSchema rules{/*ignore_case=*/false};
  std::map<std::string, LookupNavigation, std::less<>> lookups;          // by navigation property
  std::map<std::string, CollectionNavigation, std::less<>> collections;  // by navigation property

  std::string PrimaryIdField() const { return logical_name + "id"; }
  // Whether the columns of `key` are exactly one of the alternate keys.
  bool IsAlternateKey(const KeyValues& key) const;
  // The navigation property `name`, or null when the set has none of that kind.
  const LookupNavigation* Lookup(std::string_view name) const;
  const CollectionNavigation* Collection(std::string_view name) const;
};

class DataverseSchema {
 public:
  DataverseSchema();
  // null when the entity set is not declared.
  const EntitySetSpec* Find(std::string_view entity_set) const;
  // The value of the "entity_sets" config key; nothing changes on error
  // (a navigation property into an entity set that is not declared is one).
  Status Merge(const boost::json::object& entity_sets);

 private:
  std::map<std::string, EntitySetSpec, std::less<>> sets_;
};

}  // namespace ferry::crm_sim
