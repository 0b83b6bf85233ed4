#include "tests/crm_sim/dataverse_webhook_context.h"

#include <boost/json.hpp>

#include "common/http/http_client.h"
#include "tests/crm_sim/sim_http.h"

namespace ferry::crm_sim {

namespace json = boost::json;

namespace {

constexpr std::string_view kContractsNamespace = "http://schemas.microsoft.com/xrm/2011/Contracts";
constexpr std::string_view kNoOperationId = "00000000-0000-0000-0000-000000000000";
// The simulated org's own: the application user the Web API client is, and
// its business unit.
constexpr std::string_view kSimulatedUserId = "9c3e5a7b-1d2f-4e6a-8b0c-3d4e5f6a7b8c";
constexpr std::string_view kSimulatedBusinessUnitId = "2b6a1f3c-8e4d-4c7a-9b5e-0d1f2a3b4c5d";
constexpr int kPostOperationStage = 40;

json::object EntityReferenceValue(const std::string& logical_name, const std::string& id) {
  return {{"__type", "EntityReference:" + std::string(kContractsNamespace)},
          {"Id", id},
          {"KeyAttributes", json::array{}},
          {"LogicalName", logical_name},
          {"Name", nullptr},
          {"RowVersion", nullptr}};
}

json::object KeyValue(std::string_view key, json::value value) { return {{"key", key}, {"value", std::move(value)}}; }

// The Target entity: what the request set, as the step sees it.
json::object TargetEntity(const DataverseWrite& write) {
  json::array attributes;
  for (const auto& [name, value] : write.columns) attributes.push_back(KeyValue(name, value));
  for (const auto& lookup : write.lookups) {
    attributes.push_back(KeyValue(lookup.column, EntityReferenceValue(lookup.logical_name, lookup.id)));
  }
  attributes.push_back(KeyValue(write.spec->PrimaryIdField(), json::string(write.id)));
  return {{"__type", "Entity:" + std::string(kContractsNamespace)},
          {"Attributes", std::move(attributes)},
          {"EntityState", nullptr},
          {"FormattedValues", json::array{}},
          {"Id", write.id},
          {"KeyAttributes", json::array{}},
          {"LogicalName", write.spec->logical_name},
          {"RelatedEntities", json::array{}},
          {"RowVersion", std::to_string(write.row_version)}};
}

// The context, its keys in the order Dataverse's serializer writes them
// (alphabetical); without the data ones when `with_data` is false.
json::object ContextObject(const DataverseWrite& write, const WebhookStep& step,
                           const WebhookOrganization& organization, const WebhookEvent& event,
                           const std::string& operation_id, bool with_data) {
  json::object context;
  context["BusinessUnitId"] = kSimulatedBusinessUnitId;
  context["CorrelationId"] = event.correlation_id;
  context["Depth"] = 1;
  context["InitiatingUserId"] = kSimulatedUserId;
  if (with_data) context["InputParameters"] = json::array{KeyValue("Target", TargetEntity(write))};
  context["IsExecutingOffline"] = false;
  context["IsInTransaction"] = step.synchronous;
  context["IsOfflinePlayback"] = false;
  context["IsolationMode"] = 1;
  context["MessageName"] = write.message;
  context["Mode"] = step.synchronous ? 0 : 1;
  context["OperationCreatedOn"] = "/Date(" + std::to_string(event.created_unix_ms) + ")/";
  context["OperationId"] = step.synchronous ? std::string(kNoOperationId) : operation_id;
  context["OrganizationId"] = organization.id;
  context["OrganizationName"] = organization.name;
  json::array output;
  if (write.message == "Create") output.push_back(KeyValue("id", json::string(write.id)));
  context["OutputParameters"] = std::move(output);
  context["OwningExtension"] = json::object{{"Id", step.step_id},
                                            {"KeyAttributes", json::array{}},
                                            {"LogicalName", "sdkmessageprocessingstep"},
                                            {"Name", step.step_name},
                                            {"RowVersion", nullptr}};
  if (with_data) context["ParentContext"] = nullptr;
  if (with_data) context["PostEntityImages"] = json::array{};
  if (with_data) context["PreEntityImages"] = json::array{};
  context["PrimaryEntityId"] = write.id;
  context["PrimaryEntityName"] = write.spec->logical_name;
  context["RequestId"] = event.request_id;
  context["SecondaryEntityName"] = "none";
  context["SharedVariables"] = json::array{};
  context["Stage"] = kPostOperationStage;
  context["UserId"] = kSimulatedUserId;
  return context;
}

}  // namespace

WebhookMessage ExecutionContextMessage(const DataverseWrite& write, const WebhookStep& step,
                                       const WebhookOrganization& organization, const WebhookEvent& event,
                                       const std::string& operation_id) {
  WebhookMessage message;
  message.body = SerializeWithDecimals(ContextObject(write, step, organization, event, operation_id, true));
  const bool exceeded = message.body.size() > kMaxWebhookContextBytes;
  if (exceeded)
    message.body = SerializeWithDecimals(ContextObject(write, step, organization, event, operation_id, false));
  auto org_url = http::ParseUrl(write.service_root);
  message.headers = {{"Content-Type", "application/json"},
                     {"x-request-id", event.request_id},
                     {"x-ms-dynamics-organization", org_url.ok() ? org_url->host : std::string()},
                     {"x-ms-dynamics-entity-name", write.spec->logical_name},
                     {"x-ms-dynamics-request-name", write.message},
                     {"x-ms-correlation-request-id", event.correlation_id}};
  if (exceeded) message.headers.emplace_back("x-ms-dynamics-msg-size-exceeded", "true");
  return message;
}

}  // namespace ferry::crm_sim
