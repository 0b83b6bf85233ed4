#pragma once
// Salesforce Outbound Messages as they arrive (a workflow rule's or a
// Flow's "Outbound Message" action): a SOAP 1.1 call of notifications()
// in namespace http://soap.sforce.com/2005/09/outbound, holding
// OrganizationId, ActionId, SessionId (never read: a session must not be
// kept or logged), EnterpriseUrl, PartnerUrl and 1 to 100 Notification
// elements, each an Id (the notification's, the same when Salesforce sends
// it again) and an sObject of xsi:type "sf:<Object>" with the fields the
// admin chose, one element each in urn:sobject.enterprise.soap.sforce.com.
// Salesforce expects notificationsResponse with <Ack>true</Ack> and sends
// the message again until it gets it (for up to 24 hours).

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ferry::controlplane {

inline constexpr size_t kMaxOutboundNotifications = 100;  // Salesforce's own maximum
inline constexpr size_t kMaxOutboundFields = 800;
inline constexpr size_t kMaxOutboundAttributes = 64;  // per element

struct OutboundNotification {
  std::string id;           // the notification's Id
  std::string object;       // from xsi:type, e.g. "Opportunity"
  std::string record_id;    // the sObject's Id field
  std::string fields_json;  // the fields sent, as a JSON object of strings (xsi:nil: null)
};

struct OutboundMessage {
  std::string organization_id;
  std::string action_id;
  std::vector<OutboundNotification> notifications;
};

// InvalidArgument with the reason when the body is not such a message.
Result<OutboundMessage> ParseOutboundMessage(std::string_view body);

// The SOAP answer that acknowledges every notification of the message.
std::string OutboundMessageAck();

}  // namespace ferry::controlplane
