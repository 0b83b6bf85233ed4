#pragma once
// Dataverse webhooks (kind: dataverse_webhook): a service endpoint of type
// Webhook, registered with the Plug-in Registration Tool on a step (say
// Update of salesorder, filtered on statecode), what a Dynamics 365
// administrator sets up without code (docs/down.md "Dataverse").
//
//   POST /inbound/v1/<channel>?code=<the channel's key>
//   x-request-id, x-ms-dynamics-organization, x-ms-dynamics-entity-name,
//   x-ms-dynamics-request-name, x-ms-correlation-request-id
//   {RemoteExecutionContext}                   remote_execution_context.h
//
// The request proves itself with the key the endpoint was registered with
// (compared in constant time, read from key_file at each request), sent as
// Dataverse's authentication type says: WebhookKey (?code=), HttpHeader
// (a header) or HttpQueryString (a parameter); and with the context's
// OrganizationId, which must be the channel's. A system job that runs again
// after a failed call keeps its OperationId, under which the row is
// committed once. Answered 202 once committed.
//
// The context names the row but does not hold it whole (an order's lines
// are rows of their own), so each row is read through the Web API before
// it goes down (`read`, per table: the entity set and its query options,
// to which the connector adds the row's GUID; spaces and line breaks in it
// are dropped, so it can be folded over lines).
//
//   - name: d365-orders
//     kind: dataverse_webhook
//     crm: dataverse                         # the connector that reads the rows
//     organization_id: 3f2c5a4e-0b1d-4c2e-9f6a-7d8e9f0a1b2c
//     auth: webhook_key                      # or http_header (header: X-Ferry-Key), http_query_string (parameter: key)
//     key_file: /etc/ferry/d365-orders.key
//     messages: [Create, Update]             # the default
//     read:
//       salesorder: >-
//         salesorders?$select=name,ordernumber,transactioncurrencyid&$expand=customerid_account($select=accountnumber),
//         order_details($select=quantity;$expand=productid($select=productnumber))
//     agents: { sap: S4P }

#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "controlplane/down/inbound_channel.h"

namespace ferry::controlplane {

class DataverseWebhookChannel : public InboundChannel {
 public:
  // Where the endpoint's key travels: Dataverse's authentication types.
  enum class KeyIn { kCodeParameter, kHeader, kParameter };

  struct Settings {
    std::string organization_id;  // lower case
    KeyIn key_in = KeyIn::kCodeParameter;
    std::string key_name;  // the header or the parameter; "code" for WebhookKey
    std::filesystem::path key_file;
    std::set<std::string> messages;
    std::map<std::string, std::string> read;  // logical name -> "set?options"
  };

  explicit DataverseWebhookChannel(Settings settings) : settings_(std::move(settings)) {}

  Result<InboundNotification> Read(const http::Request& req, int64_t now_unix_ms) const override;
  http::Response Accepted(const http::Request& req, const std::vector<std::string>& command_ids) const override;
  bool reads_records() const override { return true; }
  std::string ReadQuery(std::string_view object) const override;

 private:
  Result<std::string> PresentedKey(const http::Request& req) const;

  Settings settings_;
};

InboundChannelFactory DataverseWebhookChannelFactory();

// Empty when `query` is "<entity set>" or "<entity set>?<query options>"
// that can go into a URL as it is (the connector puts the row's GUID after
// the entity set); else why not.
std::string CheckDataverseReadQuery(const std::string& query);

}  // namespace ferry::controlplane
