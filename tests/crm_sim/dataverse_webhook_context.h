#pragma once
// The wire format of a Dataverse webhook: the RemoteExecutionContext that a
// step registered on a webhook service endpoint POSTs for one write, as
// JSON, and the headers that go with it. Delivery and retries are
// dataverse_webhooks.h's.
//
// The context names the message (Create, Update), the row
// (PrimaryEntityName, PrimaryEntityId), the organization, the request and,
// for an asynchronous step, its system job (OperationId), at stage 40
// (post-operation). InputParameters holds the Target: the request's
// columns, a bound lookup as an EntityReference, and the primary key.
// Column values are sent as stored: the simulator knows no column types,
// so choices, money and dates are not wrapped as OptionSetValue, Money or
// "/Date(…)/" as Dataverse wraps them.
//
// A body over 256 KB is sent without ParentContext, InputParameters,
// PreEntityImages and PostEntityImages, marked by the header
// x-ms-dynamics-msg-size-exceeded: true, as Dataverse documents.

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tests/crm_sim/dataverse_ops.h"

namespace ferry::crm_sim {

inline constexpr size_t kMaxWebhookContextBytes = 256 * 1024;

struct WebhookStep {
  std::string step_id;    // OwningExtension.Id: the sdkmessageprocessingstep
  std::string step_name;  // OwningExtension.Name
  // Mode 0 and OperationId all zeros, and IsInTransaction (a synchronous
  // post-operation step runs inside the write's transaction); else Mode 1.
  bool synchronous = false;
};

struct WebhookOrganization {
  std::string id;    // OrganizationId
  std::string name;  // OrganizationName
};

// What one write gives every step it sets off.
struct WebhookEvent {
  std::string request_id;       // RequestId and x-request-id
  std::string correlation_id;   // CorrelationId and x-ms-correlation-request-id
  int64_t created_unix_ms = 0;  // OperationCreatedOn
};

struct WebhookMessage {
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // Content-Type and the x-ms-… ones
};

// The notification of `write` for `step`. `operation_id` is the step's
// asynchronous job, the same on every resend (unused for a synchronous step).
WebhookMessage ExecutionContextMessage(const DataverseWrite& write, const WebhookStep& step,
                                       const WebhookOrganization& organization, const WebhookEvent& event,
                                       const std::string& operation_id);

}  // namespace ferry::crm_sim
