#pragma once
// A Dataverse row as the Web API reads it: the $select and $expand query
// options of a single-row request (GET set(key), and the representation a
// write answers with), and the row they make.
//
//   $select=name,totalamount
//   $expand=customerid_account($select=accountnumber),
//           order_details($select=quantity;$expand=productid($select=productnumber))
//
// Options inside an expansion are separated by ';'. Only $select and
// $expand are simulated, at the top and inside expansions. The text comes
// from a client: at most kMaxExpandDepth levels, kMaxExpandItems
// expansions and kMaxSelectColumns columns per list, kMaxQueryOptionChars
// characters per option.
//
// The row answers "@odata.etag", the columns selected (every column it has
// without $select; null for a selected one it has not got), always its
// primary key, and each expansion: a lookup as the related row or null, a
// collection as an array of rows, oldest first. A collection of more rows
// than the collection limit answers that many and "<nav>@odata.nextLink"
// (a link the simulator does not serve). A single-valued navigation
// property in $select answers its lookup value "_<column>_value" (assumed).
// Numbers are written as stored (SerializeWithDecimals).

#include <boost/json.hpp>

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "tests/crm_sim/dataverse_schema.h"
#include "tests/crm_sim/record_store.h"

namespace ferry::crm_sim {

inline constexpr int kMaxExpandDepth = 5;
inline constexpr size_t kMaxExpandItems = 32;
inline constexpr size_t kMaxSelectColumns = 500;
inline constexpr size_t kMaxQueryOptionChars = 8192;

struct ExpandItem;

struct RowQuery {
  std::vector<std::string> select;  // empty: every column
  std::vector<ExpandItem> expand;
};

struct ExpandItem {
  std::string navigation;  // "order_details"
  RowQuery query;          // what to read of the related rows
};

// The query options of a single-row request, decoded (QueryOf). Names not
// starting with '$' are ignored. InvalidArgument says what is malformed
// (with its position) or beyond the bounds; FailedPrecondition names a $
// option the simulator does not implement ($filter, $top, …).
Result<RowQuery> ParseRowQuery(const std::map<std::string, std::string>& options);

// W/"<version>": the row version as Dataverse's ETag.
std::string RowEtag(const Record& record);

class RowReader {
 public:
  RowReader(RecordStore& store, const DataverseSchema& schema) : store_(store), schema_(schema) {}

  // Rows of a collection-valued expansion before it pages (5000).
  void set_collection_limit(size_t limit) { collection_limit_ = limit; }
  size_t collection_limit() const { return collection_limit_; }

  // InvalidArgument with Dataverse's message ("Could not find a property
  // named 'x' on type 'Microsoft.Dynamics.CRM.salesorder'.") when `query`
  // names a column or navigation property the table has not got. A column
  // is known when the schema declares it or some row was written with it
  // (any column, unless the set is strict).
  Status Check(const EntitySetSpec& spec, const RowQuery& query) const;

  // The row as answered, "@odata.context" first; `query` passed Check.
  // `service_root` is "<org url>/api/data/v9.2".
  boost::json::object Read(const EntitySetSpec& spec, const Record& record, const RowQuery& query,
                           const std::string& service_root);

 private:
  bool KnownColumn(const EntitySetSpec& spec, const std::string& column) const;
  // Fills `row` with what `query` selects of `record` and its expansions.
  void Fill(boost::json::object& row, const EntitySetSpec& spec, const Record& record, const RowQuery& query,
            const std::string& service_root);

  RecordStore& store_;
  const DataverseSchema& schema_;
  size_t collection_limit_ = 5000;
};

}  // namespace ferry::crm_sim
