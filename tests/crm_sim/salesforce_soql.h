#pragma once
// The SOQL the simulated Salesforce understands, parsed (salesforce_query.h
// runs it):
//
//   SELECT <item>, … FROM <Object> WHERE Id = '<id>'
//   item:     Field | Relationship.Field | (SELECT <field items> FROM <ChildRelationship>)
//
// Keywords are case-insensitive; a string literal takes \-escapes. Anything
// else, valid SOQL included (other conditions, ORDER BY, LIMIT, two levels
// of parents, a subquery in a subquery), is refused with the message
// MALFORMED_QUERY answers.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ferry::crm_sim {

struct SoqlSelect;

// One item of a SELECT list.
struct SoqlItem {
  std::string relationship;  // "Account" in Account.Name; empty for the record's own field
  std::string field;         // empty for a subquery
  std::shared_ptr<const SoqlSelect> subquery;
};

struct SoqlSelect {
  std::vector<SoqlItem> items;
  std::string from;  // an object, or a child relationship in a subquery
  std::string id;    // WHERE Id = '<id>', of the outer query
};

// The query, or InvalidArgument with the reason.
Result<SoqlSelect> ParseSoql(std::string_view soql);

}  // namespace ferry::crm_sim
