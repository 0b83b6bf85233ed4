#pragma once
// What the simulated Marketing Cloud account knows about its data
// extensions: the external key, the primary key columns, and the column
// rules (object_schema.h: required columns, lengths and, when strict, the
// only columns allowed). Data extension keys and column names are
// case-insensitive. A data extension that is not declared does not exist:
// writing to it is 404, as in an account where nobody created it.
//
// Built in: the data extensions of Ferry's standard flows
// (flows/standard/*-marketing-cloud.yaml), strict, with the columns those
// flows document. POST /_sim/config {"vendor":"marketing_cloud",
// "data_extensions":{"Key":{"primary_key":["Col"], <ObjectSchema keys>}}}
// declares more or extends them.

#include <boost/json.hpp>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "tests/crm_sim/object_schema.h"

namespace ferry::crm_sim {

struct DataExtensionSpec {
  std::string key;  // the external key as declared
  std::string id;   // the data extension's GUID, named in error messages
  std::vector<std::string> primary_key;
  ObjectSchema rules{/*ignore_case=*/true};
};

class MarketingCloudSchema {
 public:
  MarketingCloudSchema();

  // null when there is no data extension with this external key.
  const DataExtensionSpec* Find(std::string_view key) const;
  // The value of the "data_extensions" config key, all or nothing.
  // InvalidArgument names the bad key; a data extension needs a primary key.
  Status Merge(const boost::json::object& data_extensions);

 private:
  std::map<std::string, DataExtensionSpec> extensions_;  // by lower-cased key
};

}  // namespace ferry::crm_sim
