#pragma once
// The body a Dataverse webhook (a service endpoint registered on a plug-in
// step) POSTs: the step's RemoteExecutionContext as JSON. Ferry reads what
// names the row and the delivery, and nothing of the data: the row is read
// whole through the Web API before it goes down, since the context holds
// only the columns the request set (and drops even those when it would
// pass 256 KB, marked x-ms-dynamics-msg-size-exceeded).
//
//   {"MessageName": "Update", "PrimaryEntityName": "salesorder",
//    "PrimaryEntityId": "<guid>", "OrganizationId": "<guid>",
//    "RequestId": "<guid>", "OperationId": "<guid>", "Mode": 1,
//    "InputParameters": [{"key": "Target", "value": {…}}], …}

#include <string>
#include <string_view>

#include "common/status.h"

namespace ferry::controlplane {

// Parent contexts nest a whole context each, and entities their values:
// deep enough for any context Dataverse makes, never a stack's worth.
inline constexpr size_t kMaxExecutionContextDepth = 64;

struct ExecutionContext {
  std::string message_name;  // "Create" or "Update"
  std::string entity;        // PrimaryEntityName, a logical name: "salesorder"
  std::string record_id;     // PrimaryEntityId, a GUID in lower case
  std::string organization_id;
  // What stays the same when Dataverse sends this notification again: the
  // system job's OperationId for an asynchronous step, else the RequestId.
  // Empty when the context has neither.
  std::string delivery_id;
};

// Dataverse writes GUIDs in either case; Ferry compares and keeps them in
// lower case.
std::string LowerCaseGuid(std::string_view guid);

// InvalidArgument with the reason when `body` is not a context naming one
// row: UTF-8 JSON, at most kMaxExecutionContextDepth deep, with a
// MessageName, a PrimaryEntityName of logical-name characters, and GUIDs
// for PrimaryEntityId and OrganizationId.
Result<ExecutionContext> ParseExecutionContext(std::string_view body);

}  // namespace ferry::controlplane
