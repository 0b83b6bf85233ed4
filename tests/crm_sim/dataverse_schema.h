#pragma once
// What the simulated Dataverse environment knows about its tables: entity
// set name → logical name, the active alternate keys, and field rules.
// Names are case-sensitive (logical names are lower-case).
//
// Built in: accounts (alternate key accountnumber; name required, at most
// 160 characters) and contacts (ferry_sapcontactnumber), as Ferry's standard
// flows assume. An entity set not declared does not exist (404). Extended by
// POST /_sim/config {"vendor":"dataverse","entity_sets":{"ferry_shipments":
// {"logical_name":"ferry_shipment", "keys":[["ferry_number"], ["k1","k2"]],
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

struct EntitySetSpec {
  std::string name;          // "accounts"
  std::string logical_name;  // "account"
  std::vector<std::vector<std::string>> keys;
  ObjectSchema rules{/*ignore_case=*/false};

  std::string PrimaryIdField() const { return logical_name + "id"; }
  // Whether the columns of `key` are exactly one of the alternate keys.
  bool IsAlternateKey(const KeyValues& key) const;
};

class DataverseSchema {
 public:
  DataverseSchema();
  // null when the entity set is not declared.
  const EntitySetSpec* Find(std::string_view entity_set) const;
  // The value of the "entity_sets" config key; nothing changes on error.
  Status Merge(const boost::json::object& entity_sets);

 private:
  std::map<std::string, EntitySetSpec, std::less<>> sets_;
};

}  // namespace ferry::crm_sim
