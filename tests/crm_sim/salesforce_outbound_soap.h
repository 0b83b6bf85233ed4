#pragma once
// The wire format of Salesforce Outbound Messages: the SOAP 1.1 call of
// notifications() (namespace http://soap.sforce.com/2005/09/outbound) the
// simulated org sends, and the check of the listener's answer. Delivery and
// retries are salesforce_outbound_messages.h's.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ferry::crm_sim {

// What every message of one outbound message action carries.
struct OutboundMessageHead {
  std::string organization_id;  // 00D…
  std::string action_id;        // 04k…
  std::string enterprise_url;   // https://…/services/Soap/c/62.0/00D…
  std::string partner_url;      // https://…/services/Soap/u/62.0/00D…
};

// One <Notification>: its Id (04l…) and an sObject of xsi:type
// sf:<object> with `fields` (name, value text) in order, values escaped.
std::string NotificationElement(std::string_view notification_id, std::string_view object,
                                const std::vector<std::pair<std::string, std::string>>& fields);

// The whole request body: the envelope around `notifications`
// (NotificationElement texts, 1 to 100). SessionId is always xsi:nil.
std::string OutboundEnvelope(const OutboundMessageHead& head, const std::vector<std::string>& notifications);

// Why `body` answered with `status` does not acknowledge a message, or ""
// when it does: 200 and a SOAP Envelope whose notificationsResponse holds
// <Ack>true</Ack>, any namespace prefix.
std::string AckProblem(int status, std::string_view body);

}  // namespace ferry::crm_sim
