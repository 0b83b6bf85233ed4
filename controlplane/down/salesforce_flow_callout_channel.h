#pragma once
// A Salesforce Flow's HTTP callout (kind: salesforce_flow_callout): the
// "Create HTTP Callout" action of a record-triggered flow, on the flow's
// asynchronous path, what a Salesforce admin sets up without code
// (docs/down.md "Salesforce Flow HTTP callout").
//
//   POST /inbound/v1/<channel>
//   Authorization: Bearer <the channel's token>   (the Named Credential's custom header)
//   Content-Type: application/json
//   {"organizationId": "00D…", "object": "Opportunity",
//    "recordId": "006…", "changedAt": "<the record's SystemModstamp>"}
//
// A callout cannot be signed: the request proves itself with the token in
// its Authorization header (the External Credential's parameter, compared
// in constant time, read from token_file at each request), with the org's
// id in the body, which must be the channel's, and, with
// `client_certificate_file`, with the org's certificate the Named
// Credential presents (pinned by its SHA-256 fingerprint). The body names
// one record; it is read whole through the CRM's API before it goes down
// (`read`, as for Outbound Messages). A callout sent again for the same
// change (Salesforce retries a failed asynchronous path) has the same
// object, id and changedAt, under which it is committed once; a later
// change of the record is a new command. Answered 202 with
// {"commands": ["<id>"]} once committed: any 2xx ends the flow's path.
//
//   - name: sf-flow
//     kind: salesforce_flow_callout
//     crm: salesforce
//     organization_id: 00D5e000000KQ2eEAG
//     token_file: /etc/ferry/sf-flow.token
//     client_certificate_file: /etc/ferry/sf-client.crt   # optional
//     read:
//       Opportunity: SELECT Id, StageName, … FROM Opportunity
//     agents: { sap: S4P }

#include "controlplane/down/flow_callout.h"
#include "controlplane/down/inbound_channel.h"
#include "controlplane/down/salesforce_channel_settings.h"

namespace ferry::controlplane {

class SalesforceFlowCalloutChannel : public InboundChannel {
 public:
  explicit SalesforceFlowCalloutChannel(SalesforceChannelSettings settings) : settings_(std::move(settings)) {}

  Result<InboundNotification> Read(const http::Request& req, int64_t now_unix_ms) const override;
  http::Response Accepted(const http::Request& req, const std::vector<std::string>& command_ids) const override;
  bool reads_records() const override { return true; }
  std::string ReadQuery(std::string_view object) const override;
  bool wants_client_certificate() const override { return !settings_.client_certificate_file.empty(); }

 private:
  SalesforceChannelSettings settings_;
};

InboundChannelFactory SalesforceFlowCalloutChannelFactory();

}  // namespace ferry::controlplane
