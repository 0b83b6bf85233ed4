#pragma once
// Salesforce Outbound Messages (kind: salesforce_outbound_message): what a
// Salesforce admin sets up without code, as a Flow's or a workflow rule's
// "Outbound Message" action (docs/down.md "Salesforce").
//
//   POST /inbound/v1/<channel>?token=<the channel's token>
//   Content-Type: text/xml; charset=utf-8
//   <soapenv:Envelope …><soapenv:Body><notifications …>…</notifications>…
//
// An Outbound Message cannot be signed, so the request proves itself by
// the token in its URL (compared in constant time, read from token_file at
// each request) and by the organization id in the message, which must be
// the channel's. With `client_certificate_file`, the certificate
// Salesforce sends when the Outbound Message's "Send Client Certificate" is
// set must be that one too (pinned by its SHA-256 fingerprint, the file read
// at each request, so a renewed certificate needs no restart): a token
// copied out of a URL is not enough then. Each Notification's Id makes its
// delivery id: Salesforce
// sends a notification again under the same Id until it is acknowledged,
// and it is committed once. The answer, once every notification is
// committed, is notificationsResponse with <Ack>true</Ack>.
//
// A message carries only the object's own fields, so each record is read
// whole through the CRM's API before it goes down (`read`, one query per
// object, to which the connector adds the record's Id): the command waits
// in the down queue, marked read_first, until the read succeeds.
//
//   - name: sf-orders
//     kind: salesforce_outbound_message
//     crm: salesforce                  # the connector that reads the records
//     organization_id: 00D5e000000KQ2eEAG
//     token_file: /etc/ferry/sf-orders.token
//     client_certificate_file: /etc/ferry/sf-client.crt   # optional: the org's certificate, downloaded from Setup
//     read:
//       Opportunity: >-
//         SELECT Id, StageName, CurrencyIsoCode, Account.SAP_Customer_Number__c,
//         (SELECT Quantity, Product2.SAP_Material_Number__c, Product2.QuantityUnitOfMeasure
//          FROM OpportunityLineItems) FROM Opportunity
//     agents: { sap: S4P }

#include <filesystem>
#include <map>
#include <string>

#include "controlplane/down/inbound_channel.h"
#include "controlplane/down/salesforce_channel_settings.h"

namespace ferry::controlplane {

class SalesforceOutboundChannel : public InboundChannel {
 public:
  SalesforceOutboundChannel(std::string organization_id, std::filesystem::path token_file,
                            std::map<std::string, std::string> read, std::filesystem::path client_certificate_file = {})
      : organization_id_(std::move(organization_id)),
        token_file_(std::move(token_file)),
        read_(std::move(read)),
        client_certificate_file_(std::move(client_certificate_file)) {}

  Result<InboundNotification> Read(const http::Request& req, int64_t now_unix_ms) const override;
  http::Response Accepted(const http::Request& req, const std::vector<std::string>& command_ids) const override;
  bool reads_records() const override { return true; }
  std::string ReadQuery(std::string_view object) const override;
  bool wants_client_certificate() const override { return !client_certificate_file_.empty(); }

 private:
  std::string organization_id_;
  std::filesystem::path token_file_;
  std::map<std::string, std::string> read_;  // object -> SOQL without its WHERE
  std::filesystem::path client_certificate_file_;
};

InboundChannelFactory SalesforceOutboundChannelFactory();

}  // namespace ferry::controlplane
