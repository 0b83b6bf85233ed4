#include "tests/crm_sim/salesforce_outbound_soap.h"

#include <pugixml.hpp>

namespace ferry::crm_sim {

namespace {

// Element content: the five special characters as entities, a carriage
// return as a reference (a parser would turn a raw one into a line feed),
// and the control characters XML 1.0 cannot carry dropped.
std::string Escaped(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n') out += c;
    }
  }
  return out;
}

std::string_view LocalName(const char* name) {
  const std::string_view n(name);
  const size_t colon = n.find(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

bool IsElementNamed(pugi::xml_node node, std::string_view local_name) {
  return node.type() == pugi::node_element && LocalName(node.name()) == local_name;
}

std::string_view Trimmed(std::string_view s) {
  const size_t first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

}  // namespace

std::string NotificationElement(std::string_view notification_id, std::string_view object,
                                const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out = "   <Notification>\n    <Id>" + Escaped(notification_id) + "</Id>\n";
  out += "    <sObject xsi:type=\"sf:" + Escaped(object) + "\" xmlns:sf=\"urn:sobject.enterprise.soap.sforce.com\">\n";
  for (const auto& [name, value] : fields) {
    out += "     <sf:" + name + ">" + Escaped(value) + "</sf:" + name + ">\n";
  }
  out += "    </sObject>\n   </Notification>\n";
  return out;
}

std::string OutboundEnvelope(const OutboundMessageHead& head, const std::vector<std::string>& notifications) {
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "
      "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n"
      " <soapenv:Body>\n"
      "  <notifications xmlns=\"http://soap.sforce.com/2005/09/outbound\">\n";
  out += "   <OrganizationId>" + Escaped(head.organization_id) + "</OrganizationId>\n";
  out += "   <ActionId>" + Escaped(head.action_id) + "</ActionId>\n";
  out += "   <SessionId xsi:nil=\"true\"/>\n";
  out += "   <EnterpriseUrl>" + Escaped(head.enterprise_url) + "</EnterpriseUrl>\n";
  out += "   <PartnerUrl>" + Escaped(head.partner_url) + "</PartnerUrl>\n";
  for (const auto& notification : notifications) out += notification;
  out += "  </notifications>\n </soapenv:Body>\n</soapenv:Envelope>\n";
  return out;
}

std::string AckProblem(int status, std::string_view body) {
  if (status != 200) return "HTTP " + std::to_string(status);
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) return "HTTP 200 with a body that is not XML";
  const pugi::xml_node envelope = doc.document_element();
  if (!IsElementNamed(envelope, "Envelope")) return "HTTP 200 with a body that is not a SOAP envelope";
  const pugi::xml_node response =
      envelope.find_node([](pugi::xml_node node) { return IsElementNamed(node, "notificationsResponse"); });
  if (!response) return "HTTP 200 without notificationsResponse";
  for (pugi::xml_node child : response.children()) {
    if (IsElementNamed(child, "Ack") && Trimmed(child.child_value()) == "true") return "";
  }
  return "HTTP 200 without <Ack>true</Ack> in notificationsResponse";
}

}  // namespace ferry::crm_sim
