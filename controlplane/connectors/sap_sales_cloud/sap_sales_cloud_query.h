#pragma once
// SAP Sales Cloud V2 reads as the connector writes and takes them: a read
// query (the entity's service, query options and lookups), the changes
// query a modified-since poller sends, and the answers' slices. No I/O, so
// it is tested on its own (sap_sales_cloud_body_test.cc). The API has no
// $expand and no next links (docs/protocols.md §B.4): a record's parties
// are completed by lookups, and pages are asked for with $top and $skip.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controlplane/delivery/connector.h"

namespace ferry::controlplane::sap_sales_cloud {

// "with account/partyId from account-service/accounts": the object holding
// the id (here `account`) is completed with the members of the entity it
// names that it does not have itself.
struct ReadLookup {
  std::vector<std::string> id_path;  // {"account", "partyId"}
  std::string collection;            // "account-service/accounts"
};

// "<service>/<collection>[?<query options>]; with <id path> from
// <service>/<collection>; ..." (at most 4 lookups).
struct ReadSpec {
  std::string collection;  // "sales-quote-service/salesQuotes"
  std::string options;     // "$select=…" or empty
  std::vector<ReadLookup> lookups;
};

// The spec, or why the query is not one (`error`).
std::optional<ReadSpec> ParseReadQuery(std::string_view query, std::string* error);
// Empty when ParseReadQuery takes `query`, else why not (ConnectorFactory::check_read_query).
std::string CheckReadQuery(const std::string& query);

// The collection's changes since the query's time, oldest first, ties by
// id: only the ids and adminData are asked for.
std::string ChangesTarget(std::string_view root, std::string_view collection, const ChangesQuery& query);
// Whether `id` can be a tenant's entity id (a UUID: letters, digits and
// '-', at most 64): only such ids go into a path or down to an agent.
bool IsEntityId(std::string_view id);

// The ids and adminData/updatedOn of a {"value":[…]} answer; nullopt when
// the body is not that shape, or a record lacks either or has an id that
// is no entity id.
std::optional<std::vector<ChangedRecord>> ChangedRecords(std::string_view body);

// The text at `path` of a JSON object's members, when it is a string; empty
// otherwise. For ids only: nothing else is taken out of a record this way.
std::string TextAt(std::string_view object, const std::vector<std::string>& path);
// `record` with the object at `parent` (a member path; empty: the record
// itself) completed by the members of `entity` it lacks, all taken as
// written (decimals keep their digits). nullopt when `parent` is not an
// object of `record` or `entity` is not an object.
std::optional<std::string> CompletedAt(std::string_view record, const std::vector<std::string>& parent,
                                       std::string_view entity);

}  // namespace ferry::controlplane::sap_sales_cloud
