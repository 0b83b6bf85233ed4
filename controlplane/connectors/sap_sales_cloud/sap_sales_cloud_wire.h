#pragma once
// The SAP Sales Cloud V2 wire format as the connector writes and reads it:
// service paths, $filter reads, create and merge-patch bodies, answers.
// No I/O, so it is tested on its own (sap_sales_cloud_body_test.cc). The
// shapes follow docs/protocols.md §B.4, which is not confirmed [M].

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/http/basic_auth.h"
#include "ferry/v1/event.pb.h"

namespace ferry::controlplane::sap_sales_cloud {

// A mapped record's object → its service path: "accounts" →
// "account-service/accounts". nullopt for an object the API has not.
std::optional<std::string> ServicePath(std::string_view object);

// root/service?$filter=<field> eq '<value>', the value's quotes doubled and
// the whole option URL-encoded.
std::string FilterTarget(std::string_view root, std::string_view service, std::string_view field,
                         std::string_view value);

// A link resolved to the id of the linked entity.
struct LinkId {
  std::string field;
  std::string id;
};
// POST body: the external id, then the fields (as the flow wrote them,
// decimals exact), then the links.
std::string CreateBody(const ferry::v1::MappedRecord& record, const std::vector<LinkId>& links);
// merge-patch body: the fields and links; the external id is unchanged.
std::string PatchBody(const ferry::v1::MappedRecord& record, const std::vector<LinkId>& links);

// Whether the entity of a {"value":{…}} answer already holds every value
// of the merge-patch `patch` (a null: absent or null; a member object: one
// level down, as PatchBody nests). Then the patch is not sent: it would
// stamp a change that changes nothing, and a poller listing changes would
// take the write-back of a result for a new change of the record.
bool PatchChangesNothing(const std::string& entity_answer, const std::string& patch);

// The ids of a {"value":[…]} answer; nullopt when the body is not that shape.
std::optional<std::vector<std::string>> CollectionIds(const std::string& body);
// The id of a {"value":{…}} answer, or empty.
std::string EntityId(const std::string& body);
// "code: message (target X)" of an {"error":{…}} answer, or the body's start.
std::string ErrorText(const std::string& body);

using http::BasicAuthorization;

}  // namespace ferry::controlplane::sap_sales_cloud
