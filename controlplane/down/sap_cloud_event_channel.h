#pragma once
// SAP Sales Cloud and Service Cloud Version 2 events (kind:
// sap_cloud_v2_events): what the tenant sends an external system when an
// entity is saved, set up by an administrator without code
// (docs/down.md "SAP Sales and Service Cloud V2"): a Standard Event (a
// communication system and a "Send Events to External Systems"
// configuration, the entity's events switched on), or the "Send Event
// Notification" action of an Autoflow rule.
//
//   POST /inbound/v1/<channel>
//   Authorization: Basic <the communication system's outbound user>
//   Content-Type: application/json (or application/cloudevents+json)
//   {"specversion": "0.2", "type": "<the event>", "source": "<the tenant>",
//    "id": "<the event's id>", "subject": "<the entity's id>", "time": "…",
//    "data": {"currentImage": {…the entity…}, "beforeImage": {…}}}
//
// A CloudEvent in structured mode (binary mode, with ce-* headers, is
// taken too). The tenant sends specversion 0.2 with the 1.0 attribute
// names; 0.2, 0.3 and 1.0 are taken. The request proves itself with the
// communication system's user and password (HTTP Basic, compared in
// constant time, the password read from password_file at each request):
// the tenant signs nothing.
//
// The event's type says what was saved: each object the flows match
// (salesQuotes, cases, …) lists the types that announce it. A type no
// object lists is refused (400, naming it), so an event nobody set up
// shows as failed in the tenant's monitoring rather than vanishing. The
// entity's id is the subject, or data.currentImage.id (the same when both
// are given), and must be a V2 id. The image is only what one save
// changed, and V2 has no $expand, so the entity is read whole (`read`, the
// connector's read query, completing its account) before it goes down. An
// event sent again keeps its source and id, under which it is committed
// once. Answered 202 once committed: the tenant sends an entity's events
// in order and holds the later ones back while one is not taken.
//
//   - name: sap-cloud-v2
//     kind: sap_cloud_v2_events
//     crm: sap_sales_cloud                 # the connector that reads the entities
//     user: ferry-events
//     password_file: /etc/ferry/sap-cloud-v2-events.secret
//     objects:
//       salesQuotes:
//         types: [sap.crm.custom.event.quoteWon]
//         read: sales-quote-service/salesQuotes; with account/partyId from account-service/accounts
//     agents: { sap: S4P }

#include <filesystem>
#include <string>
#include <vector>

#include "controlplane/down/inbound_channel.h"

namespace ferry::controlplane {

class SapCloudEventChannel : public InboundChannel {
 public:
  struct Object {
    std::string object;              // as flows match it: salesQuotes
    std::vector<std::string> types;  // the event types that announce it
    std::string read;                // the connector's read query for it
  };
  struct Settings {
    std::string user;
    std::filesystem::path password_file;
    std::vector<Object> objects;
  };

  explicit SapCloudEventChannel(Settings settings) : settings_(std::move(settings)) {}

  Result<InboundNotification> Read(const http::Request& req, int64_t now_unix_ms) const override;
  http::Response Accepted(const http::Request& req, const std::vector<std::string>& command_ids) const override;
  bool reads_records() const override { return true; }
  std::string ReadQuery(std::string_view object) const override;

 private:
  const Object* ObjectOf(std::string_view type) const;

  Settings settings_;
};

InboundChannelFactory SapCloudEventChannelFactory();

}  // namespace ferry::controlplane
