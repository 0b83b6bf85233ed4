#include "tests/crm_sim/salesforce_outbound_messages.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <optional>

#include "common/util/clock.h"
#include "tests/crm_sim/object_schema.h"
#include "tests/crm_sim/salesforce_id.h"
#include "tests/crm_sim/salesforce_outbound_soap.h"
#include "tests/crm_sim/sim_http.h"
#include "tests/crm_sim/sim_state.h"

namespace ferry::crm_sim {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr size_t kMaxNotificationsPerMessage = 100;  // Salesforce's own maximum

// Object and field names go into element names unescaped: API names only.
bool IsApiName(std::string_view name) {
  return !name.empty() && std::isalpha(static_cast<unsigned char>(name[0])) &&
         std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// A field value as the enterprise WSDL writes it; nullopt (the element is
// left out) for null and for what is no field value (objects, arrays).
std::optional<std::string> SoapText(const json::value& value) {
  if (value.is_double()) return DecimalText(value.get_double());
  if (value.is_bool()) return std::string(value.get_bool() ? "true" : "false");
  return ScalarText(value);
}

Result<std::string> StringKey(const json::object& request, std::string_view key, bool required) {
  const json::value* value = request.if_contains(key);
  if (!value) {
    if (required) return Status::InvalidArgument("an outbound message needs \"" + std::string(key) + "\"");
    return std::string();
  }
  if (!value->is_string() || value->get_string().empty()) {
    return Status::InvalidArgument(std::string(key) + " must be a non-empty string");
  }
  return std::string(value->get_string());
}

// Up to 100 of the oldest notifications in one SOAP message.
ListenerQueue::Compose ComposeOutboundMessage(const OutboundMessageHead& head) {
  return [head](const std::deque<ListenerItem>& queue, size_t& taken) {
    taken = std::min(queue.size(), kMaxNotificationsPerMessage);
    std::vector<std::string> elements;
    for (size_t i = 0; i < taken; ++i) elements.push_back(queue[i].body);
    ListenerQueue::OutRequest req{boost::beast::http::verb::post, "/", 11};
    req.set(boost::beast::http::field::content_type, "text/xml; charset=utf-8");
    req.set("SOAPAction", "\"\"");
    req.body() = OutboundEnvelope(head, elements);
    return req;
  };
}

// What both kinds of action are registered with: the condition (object,
// field, equals), the org, and the listener (endpoint_url, ca_file, the
// client certificate, the retry pauses).
struct ActionKeys {
  std::string object, field, organization_id;
  json::value equals;
  ListenerOptions listener;
};

Result<ActionKeys> ReadActionKeys(const json::object& request) {
  auto object = StringKey(request, "object", true);
  auto field = StringKey(request, "field", false);
  auto endpoint = StringKey(request, "endpoint_url", true);
  auto organization = StringKey(request, "organization_id", false);
  auto ca_file = StringKey(request, "ca_file", false);
  // "Send Client Certificate", or the Named Credential's: the org's
  // certificate, presented on each call.
  auto client_cert = StringKey(request, "client_cert_file", false);
  auto client_key = StringKey(request, "client_key_file", false);
  for (const auto* s : {&object, &field, &endpoint, &organization, &ca_file, &client_cert, &client_key}) {
    if (!s->ok()) return s->status();
  }
  if (!IsApiName(*object)) return Status::InvalidArgument("object must be an API name such as Opportunity");
  if (!field->empty() && !IsApiName(*field)) return Status::InvalidArgument("field must be an API name");
  if (field->empty() == request.contains("equals")) {
    return Status::InvalidArgument("\"field\" and \"equals\" go together: the condition is field == equals");
  }
  auto url = http::ParseUrl(*endpoint);
  if (!url.ok()) return Status::InvalidArgument("endpoint_url: " + url.status().message());
  if (!ca_file->empty() && !std::ifstream(*ca_file)) {
    return Status::InvalidArgument("ca_file " + *ca_file + " cannot be read");
  }
  if (client_cert->empty() != client_key->empty()) {
    return Status::InvalidArgument("client_cert_file and client_key_file go together");
  }
  ActionKeys keys;
  ListenerOptions& options = keys.listener;  // retries from 1 s to 1 min by default
  if (Status s = ReadRetrySettings(request, options); !s.ok()) return s;
  options.url = std::move(*url);
  options.ca_file = *ca_file;
  options.client_cert_file = *client_cert;
  options.client_key_file = *client_key;
  keys.object = *object;
  keys.field = *field;
  keys.organization_id = *organization;
  if (const json::value* equals = request.if_contains("equals")) keys.equals = *equals;
  return keys;
}

}  // namespace

struct SalesforceOutboundMessages::Action {
  bool callout = false;  // a Flow's HTTP callout, not an Outbound Message
  std::string object;
  std::string field;   // empty: no condition, every create qualifies
  json::value equals;  // what `field` must equal
  std::vector<std::string> fields;
  OutboundMessageHead head;
  std::shared_ptr<ListenerQueue> sender;  // its notifications, not yet acknowledged

  // Whether a record with `fields` meets the condition.
  bool Meets(const json::object& record) const {
    if (field.empty()) return true;
    const json::value* value = FindField(record, field, /*ignore_case=*/true);
    if (equals.is_null()) return !value || value->is_null();
    if (!value) return false;
    if (value->is_number() && equals.is_number()) return value->to_number<double>() == equals.to_number<double>();
    return *value == equals;
  }
};

SalesforceOutboundMessages::SalesforceOutboundMessages(asio::any_io_executor executor, std::string organization_id)
    : executor_(std::move(executor)), organization_id_(std::move(organization_id)) {}

Result<json::object> SalesforceOutboundMessages::Register(const json::object& request, const std::string& base_url) {
  static const std::vector<std::string_view> kKeys = {
      "object",          "field",       "equals",           "fields",           "endpoint_url",
      "organization_id", "action_id",   "ca_file",          "retry_initial_ms", "retry_max_ms",
      "instance_url",    "api_version", "client_cert_file", "client_key_file"};
  for (const auto& [key, value] : request) {
    if (std::find(kKeys.begin(), kKeys.end(), std::string_view(key)) == kKeys.end()) {
      return Status::InvalidArgument("unknown outbound message key '" + std::string(key) + "'");
    }
  }
  Result<ActionKeys> keys = ReadActionKeys(request);
  if (!keys.ok()) return keys.status();
  auto action_id = StringKey(request, "action_id", false);
  auto instance = StringKey(request, "instance_url", false);
  auto version = StringKey(request, "api_version", false);
  for (const auto* s : {&action_id, &instance, &version}) {
    if (!s->ok()) return s->status();
  }
  const json::value* fields = request.if_contains("fields");
  if (!fields || !fields->is_array() || fields->get_array().empty()) {
    return Status::InvalidArgument("fields must be a non-empty array of field names");
  }
  std::vector<std::string> field_names;
  for (const auto& f : fields->get_array()) {
    if (!f.is_string() || !IsApiName(f.get_string())) {
      return Status::InvalidArgument("fields must be a non-empty array of field names");
    }
    for (const auto& name : field_names) {
      if (IEquals(name, f.get_string())) return Status::InvalidArgument("fields names " + name + " twice");
    }
    field_names.emplace_back(f.get_string());
  }
  ListenerOptions options = std::move(keys->listener);
  options.log_name = "salesforce-outbound";
  auto action = std::make_shared<Action>();
  action->object = keys->object;
  action->field = keys->field;
  action->equals = keys->equals;
  action->fields = std::move(field_names);
  OutboundMessageHead& head = action->head;
  head.organization_id = keys->organization_id.empty() ? organization_id_ : keys->organization_id;
  head.action_id = action_id->empty() ? SalesforceId("04k", ++actions_made_) : *action_id;
  // The org's SOAP endpoints, with the 15-character org id as Salesforce writes them there.
  const std::string instance_url = instance->empty() ? base_url : *instance;
  const std::string soap_version = version->empty() ? "62.0" : *version;
  const std::string org15 = head.organization_id.substr(0, 15);
  head.enterprise_url = instance_url + "/services/Soap/c/" + soap_version + "/" + org15;
  head.partner_url = instance_url + "/services/Soap/u/" + soap_version + "/" + org15;
  action->sender =
      std::make_shared<ListenerQueue>(executor_, std::move(options), ComposeOutboundMessage(head), AckProblem);
  actions_.push_back(action);
  return json::object{{"ok", true}, {"action_id", head.action_id}};
}

Result<json::object> SalesforceOutboundMessages::RegisterCallout(const json::object& request) {
  static const std::vector<std::string_view> kKeys = {
      "object",           "field",        "equals",           "endpoint_url",   "organization_id", "headers", "ca_file",
      "retry_initial_ms", "retry_max_ms", "client_cert_file", "client_key_file"};
  for (const auto& [key, value] : request) {
    if (std::find(kKeys.begin(), kKeys.end(), std::string_view(key)) == kKeys.end()) {
      return Status::InvalidArgument("unknown flow callout key '" + std::string(key) + "'");
    }
  }
  Result<ActionKeys> keys = ReadActionKeys(request);
  if (!keys.ok()) return keys.status();
  std::vector<std::pair<std::string, std::string>> headers;
  if (const json::value* given = request.if_contains("headers")) {
    if (!given->is_object()) return Status::InvalidArgument("headers must be an object of header names and values");
    for (const auto& [name, value] : given->get_object()) {
      const bool token = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
      });
      const bool line = value.is_string() && std::none_of(value.get_string().begin(), value.get_string().end(),
                                                          [](char c) { return static_cast<unsigned char>(c) < 0x20; });
      if (!token || !line) return Status::InvalidArgument("headers: '" + std::string(name) + "' is no header line");
      headers.emplace_back(std::string(name), std::string(value.get_string()));
    }
  }
  ListenerOptions options = std::move(keys->listener);
  options.log_name = "salesforce-flow-callout";
  auto action = std::make_shared<Action>();
  action->callout = true;
  action->object = keys->object;
  action->field = keys->field;
  action->equals = keys->equals;
  action->head.organization_id = keys->organization_id.empty() ? organization_id_ : keys->organization_id;
  action->head.action_id = SalesforceId("300", ++actions_made_);  // a Flow's id prefix
  action->sender =
      std::make_shared<ListenerQueue>(executor_, std::move(options), ComposeOnePost(std::move(headers)), Not2xxProblem);
  actions_.push_back(action);
  return json::object{{"ok", true}, {"action_id", action->head.action_id}};
}

json::array SalesforceOutboundMessages::Describe(bool callouts) const {
  json::array out;
  for (const auto& action : actions_) {
    if (action->callout != callouts) continue;
    json::object described{{"action_id", action->head.action_id}, {"object", action->object}};
    action->sender->Describe(described, "delivered_ids");
    out.push_back(std::move(described));
  }
  return out;
}

void SalesforceOutboundMessages::Clear() {
  for (const auto& action : actions_) action->sender->Stop();
  actions_.clear();
  held_.Clear();
}

bool SalesforceOutboundMessages::Watches(std::string_view object) const {
  return std::any_of(actions_.begin(), actions_.end(), [&](const auto& a) { return IEquals(a->object, object); });
}

void SalesforceOutboundMessages::Written(std::string_view object, const std::string& id, const json::object* before,
                                         const json::object& after) {
  for (const auto& action : actions_) {
    if (!IEquals(action->object, object) || !action->Meets(after) || (before && action->Meets(*before))) continue;
    if (action->callout) {
      ListenerItem item;
      item.id = id;
      item.body = json::serialize(json::object{{"organizationId", action->head.organization_id},
                                               {"object", action->object},
                                               {"recordId", id},
                                               {"changedAt", FormatIsoTimeMs(NowUnixMs())}});
      item.headers = {{"Content-Type", "application/json"}};
      held_.Send(action->sender, std::move(item));
      continue;
    }
    std::vector<std::pair<std::string, std::string>> values;
    for (const auto& name : action->fields) {
      if (IEquals(name, "Id")) {
        values.emplace_back("Id", id);
      } else if (const json::value* value = FindField(after, name, /*ignore_case=*/true)) {
        if (auto text = SoapText(*value)) values.emplace_back(name, std::move(*text));
      }
    }
    ListenerItem item;
    item.id = SalesforceId("04l", ++notifications_made_);
    item.body = NotificationElement(item.id, action->object, values);
    held_.Send(action->sender, std::move(item));
  }
}

}  // namespace ferry::crm_sim
