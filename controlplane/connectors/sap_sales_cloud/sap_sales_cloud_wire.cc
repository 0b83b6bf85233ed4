#include "controlplane/connectors/sap_sales_cloud/sap_sales_cloud_wire.h"

#include <openssl/evp.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>

#include "common/flows/json_text.h"
#include "common/http/url_encoding.h"
#include "controlplane/connectors/http_outcome.h"

namespace ferry::controlplane::sap_sales_cloud {

namespace json = boost::json;

namespace {

std::string Body(const ferry::v1::MappedRecord& record, const std::vector<LinkId>& links, bool with_key) {
  std::string body = "{";
  auto add = [](std::string& to, std::string_view key_json, std::string_view value) {
    if (to.size() > 1) to += ',';
    to.append(key_json).append(":").append(value);
  };
  if (with_key) add(body, flows::JsonQuoted(record.key_field()), flows::JsonQuoted(record.external_id()));
  // "extensions/X" fields, gathered per member, in the order first seen.
  std::vector<std::pair<std::string, std::string>> nested;
  for (const flows::JsonMember& m : flows::TopLevelMembers(record.fields_json())) {
    if (m.key == record.key_field()) continue;  // written above, or unchanged
    const size_t slash = m.key.find('/');
    if (slash == std::string_view::npos) {
      add(body, "\"" + std::string(m.key) + "\"", m.value);
      continue;
    }
    const std::string member(m.key.substr(0, slash));
    auto it = std::find_if(nested.begin(), nested.end(), [&](const auto& n) { return n.first == member; });
    if (it == nested.end()) it = nested.insert(nested.end(), {member, "{"});
    add(it->second, "\"" + std::string(m.key.substr(slash + 1)) + "\"", m.value);
  }
  for (auto& [member, object] : nested) add(body, "\"" + member + "\"", object + "}");
  for (const LinkId& l : links) add(body, flows::JsonQuoted(l.field), flows::JsonQuoted(l.id));
  return body + "}";
}

const json::object* ValueOf(const std::string& body, json::value& holder) {
  boost::system::error_code ec;
  holder = json::parse(body, ec);
  if (ec || !holder.is_object()) return nullptr;
  return &holder.as_object();
}

std::string TextOf(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

std::optional<std::string> ServicePath(std::string_view object) {
  if (object == "accounts") return "account-service/accounts";
  if (object == "contactPersons") return "contact-person-service/contactPersons";
  if (object == "registeredProducts") return "registered-product-service/registeredProducts";
  if (object == "salesQuotes") return "sales-quote-service/salesQuotes";
  if (object == "cases") return "case-service/cases";
  return std::nullopt;
}

std::string FilterTarget(std::string_view root, std::string_view service, std::string_view field,
                         std::string_view value) {
  std::string literal;
  for (const char c : value) literal += c == '\'' ? std::string("''") : std::string(1, c);
  const std::string filter = std::string(field) + " eq '" + literal + "'";
  return std::string(root) + "/" + std::string(service) + "?$filter=" + http::PercentEncode(filter);
}

std::string CreateBody(const ferry::v1::MappedRecord& record, const std::vector<LinkId>& links) {
  return Body(record, links, true);
}

std::string PatchBody(const ferry::v1::MappedRecord& record, const std::vector<LinkId>& links) {
  return Body(record, links, false);
}

bool PatchChangesNothing(const std::string& entity_answer, const std::string& patch) {
  json::value answer_holder, patch_holder;
  const json::object* answer = ValueOf(entity_answer, answer_holder);
  const json::value* value = answer ? answer->if_contains("value") : nullptr;
  const json::object* changes = ValueOf(patch, patch_holder);
  if (value == nullptr || !value->is_object() || changes == nullptr) return false;
  auto same = [](const json::object& have, std::string_view key, const json::value& want) {
    const json::value* now = have.if_contains(key);
    if (want.is_null()) return now == nullptr || now->is_null();
    return now != nullptr && *now == want;
  };
  const json::object& entity = value->get_object();
  for (const auto& [key, want] : *changes) {
    if (!want.is_object()) {
      if (!same(entity, key, want)) return false;
      continue;
    }
    const json::value* member = entity.if_contains(key);
    const json::object empty;
    const json::object& have = member != nullptr && member->is_object() ? member->get_object() : empty;
    for (const auto& [inner_key, inner_want] : want.get_object()) {
      if (inner_want.is_object() || !same(have, inner_key, inner_want)) return false;
    }
  }
  return true;
}

std::optional<std::vector<std::string>> CollectionIds(const std::string& body) {
  json::value holder;
  const json::object* o = ValueOf(body, holder);
  const json::value* value = o ? o->if_contains("value") : nullptr;
  if (!value || !value->is_array()) return std::nullopt;
  std::vector<std::string> ids;
  for (const json::value& e : value->get_array()) {
    if (!e.is_object()) return std::nullopt;
    ids.push_back(TextOf(e.get_object(), "id"));
  }
  return ids;
}

std::string EntityId(const std::string& body) {
  json::value holder;
  const json::object* o = ValueOf(body, holder);
  const json::value* value = o ? o->if_contains("value") : nullptr;
  return value && value->is_object() ? TextOf(value->get_object(), "id") : std::string();
}

std::string ErrorText(const std::string& body) {
  json::value holder;
  const json::object* o = ValueOf(body, holder);
  const json::value* error = o ? o->if_contains("error") : nullptr;
  if (!error || !error->is_object()) return Excerpt(body);
  const json::object& e = error->get_object();
  std::string out = TextOf(e, "code") + ": " + TextOf(e, "message");
  if (const std::string target = TextOf(e, "target"); !target.empty()) out += " (target " + target + ")";
  return out;
}

}  // namespace ferry::controlplane::sap_sales_cloud
