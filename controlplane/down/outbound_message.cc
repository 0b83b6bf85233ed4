#include "controlplane/down/outbound_message.h"

#include <algorithm>
#include <set>

#include "common/flows/json_text.h"
#include "common/idoc/xml_names.h"
#include "common/xml/untrusted_xml.h"
#include "controlplane/connectors/salesforce/salesforce_ids.h"
#include "controlplane/down/inbound_record.h"

namespace ferry::controlplane {
namespace {

constexpr std::string_view kSoap11 = "http://schemas.xmlsoap.org/soap/envelope/";
constexpr std::string_view kOutbound = "http://soap.sforce.com/2005/09/outbound";
constexpr std::string_view kXsi = "http://www.w3.org/2001/XMLSchema-instance";

using idoc::LocalName;
using xml::ForMessage;
using xml::IsElement;

std::string_view PrefixOf(std::string_view qualified) {
  const size_t colon = qualified.find(':');
  return colon == std::string_view::npos ? std::string_view() : qualified.substr(0, colon);
}

// The namespace a prefix ("" for the default) stands for at `node`: the
// nearest declaration on it or an ancestor, walked up without recursion.
std::string_view NamespaceOf(pugi::xml_node node, std::string_view prefix) {
  const std::string attribute = prefix.empty() ? "xmlns" : "xmlns:" + std::string(prefix);
  for (; node; node = node.parent()) {
    if (pugi::xml_attribute a = node.attribute(attribute.c_str())) return a.value();
  }
  return {};
}

bool Is(pugi::xml_node node, std::string_view ns, std::string_view local) {
  return IsElement(node) && LocalName(node.name()) == local && NamespaceOf(node, PrefixOf(node.name())) == ns;
}

// The one child element with this local name and namespace, or null.
pugi::xml_node Child(pugi::xml_node parent, std::string_view ns, std::string_view local) {
  for (pugi::xml_node c : parent.children()) {
    if (Is(c, ns, local)) return c;
  }
  return {};
}

// An attribute by local name in namespace `ns` (xsi:type, xsi:nil).
std::string_view AttributeIn(pugi::xml_node node, std::string_view ns, std::string_view local) {
  for (pugi::xml_attribute a : node.attributes()) {
    const std::string_view name = a.name();
    if (LocalName(name) == local && name != local && NamespaceOf(node, PrefixOf(name)) == ns) return a.value();
  }
  return {};
}

// An element holding text only: its text, trimmed.
Result<std::string> TextOf(pugi::xml_node element, std::string_view what) {
  if (element.find_child(IsElement)) {
    return Status::InvalidArgument(std::string(what) + " holds elements; a value was expected");
  }
  return xml::Trimmed(element.child_value());
}

Result<std::string> IdIn(pugi::xml_node parent, std::string_view ns, std::string_view local, std::string_view what) {
  pugi::xml_node element = Child(parent, ns, local);
  if (!element) return Status::InvalidArgument(std::string(what) + " has no " + std::string(local));
  Result<std::string> id = TextOf(element, local);
  if (!id.ok()) return id.status();
  if (!IsSalesforceId(*id)) {
    return Status::InvalidArgument(std::string(what) + "'s " + std::string(local) + " '" + ForMessage(*id) +
                                   "' is not a Salesforce id (15 or 18 letters and digits)");
  }
  return id;
}

Result<OutboundNotification> ReadNotification(pugi::xml_node notification, size_t k) {
  const std::string what = "Notification #" + std::to_string(k);
  OutboundNotification out;
  Result<std::string> id = IdIn(notification, kOutbound, "Id", what);
  if (!id.ok()) return id.status();
  out.id = std::move(id).value();
  pugi::xml_node sobject = Child(notification, kOutbound, "sObject");
  if (!sobject) return Status::InvalidArgument(what + " has no sObject");
  const std::string_view type = AttributeIn(sobject, kXsi, "type");
  out.object = std::string(LocalName(type));
  if (!IsInboundName(out.object)) {
    return Status::InvalidArgument(what + "'s sObject has no usable xsi:type ('" + ForMessage(type) + "')");
  }
  std::string json = "{";
  size_t fields = 0;
  std::set<std::string_view> names;
  for (pugi::xml_node field : sobject.children()) {
    if (!IsElement(field)) continue;
    if (++fields > kMaxOutboundFields) {
      return Status::InvalidArgument(what + " carries more than " + std::to_string(kMaxOutboundFields) + " fields");
    }
    const std::string_view name = LocalName(field.name());
    if (!IsInboundName(name)) {
      return Status::InvalidArgument(what + ": field name '" + ForMessage(name) + "' is not a Salesforce field name");
    }
    if (!names.insert(name).second) {
      return Status::InvalidArgument(what + ": field " + std::string(name) + " appears twice");
    }
    if (json.size() > 1) json += ",";
    flows::AppendJsonString(json, name);
    json += ":";
    if (AttributeIn(field, kXsi, "nil") == "true") {
      json += "null";
      continue;
    }
    Result<std::string> value = TextOf(field, name);
    if (!value.ok()) return Status::InvalidArgument(what + ": " + std::string(value.status().message()));
    if (name == "Id") out.record_id = *value;
    flows::AppendJsonString(json, *value);
  }
  json += "}";
  if (!IsSalesforceId(out.record_id)) {
    return Status::InvalidArgument(what + "'s sObject has no Id (the outbound message must send the Id field)");
  }
  out.fields_json = std::move(json);
  return out;
}

}  // namespace

Result<OutboundMessage> ParseOutboundMessage(std::string_view body) {
  Result<std::unique_ptr<xml::UntrustedXml>> parsed = xml::ParseUntrustedXml(body, "a SOAP notifications message");
  if (!parsed.ok()) return parsed.status();
  pugi::xml_node envelope = (*parsed)->root;
  // Namespaces are looked up on an element's ancestors, attribute by
  // attribute: bounded attributes keep that linear in the body.
  for (pugi::xml_node node = envelope; node; node = xml::NextInWalk(node, envelope)) {
    if (!IsElement(node)) continue;
    size_t attributes = 0;
    for (pugi::xml_attribute a = node.first_attribute(); a; a = a.next_attribute()) {
      if (++attributes > kMaxOutboundAttributes) {
        return xml::XmlError((*parsed)->text, xml::OffsetOf(node),
                             "<" + ForMessage(node.name()) + "> has more than " +
                                 std::to_string(kMaxOutboundAttributes) + " attributes");
      }
    }
  }
  if (!Is(envelope, kSoap11, "Envelope")) {
    return Status::InvalidArgument("the body is not a SOAP 1.1 Envelope");
  }
  pugi::xml_node soap_body = Child(envelope, kSoap11, "Body");
  pugi::xml_node call = soap_body ? Child(soap_body, kOutbound, "notifications") : pugi::xml_node();
  if (!call) {
    return Status::InvalidArgument("the SOAP Body holds no notifications element of " + std::string(kOutbound));
  }
  OutboundMessage out;
  Result<std::string> org = IdIn(call, kOutbound, "OrganizationId", "the message");
  if (!org.ok()) return org.status();
  out.organization_id = std::move(org).value();
  if (pugi::xml_node action = Child(call, kOutbound, "ActionId")) {
    out.action_id = xml::Trimmed(action.child_value()).substr(0, 18);
  }
  for (pugi::xml_node n : call.children()) {
    if (!Is(n, kOutbound, "Notification")) continue;
    if (out.notifications.size() == kMaxOutboundNotifications) {
      return Status::InvalidArgument("more than " + std::to_string(kMaxOutboundNotifications) +
                                     " notifications in one message");
    }
    Result<OutboundNotification> one = ReadNotification(n, out.notifications.size() + 1);
    if (!one.ok()) return one.status();
    out.notifications.push_back(std::move(one).value());
  }
  if (out.notifications.empty()) return Status::InvalidArgument("the message holds no Notification");
  return out;
}

std::string OutboundMessageAck() {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
         "<soapenv:Body><notificationsResponse xmlns=\"http://soap.sforce.com/2005/09/outbound\">"
         "<Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>\n";
}

}  // namespace ferry::controlplane
