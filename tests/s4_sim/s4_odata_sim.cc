#include "tests/s4_sim/s4_odata_sim.h"

#include <algorithm>
#include <charconv>
#include <iostream>

#include "common/http/basic_auth.h"
#include "common/http/url_encoding.h"
#include "tests/crm_sim/sim_http.h"
#include "tests/s4_sim/idoc_inbound.h"
#include "tests/s4_sim/odata_query.h"

namespace ferry::s4_sim {
namespace {

namespace json = boost::json;
using crm_sim::HeaderOf;
using crm_sim::JsonResponse;
using crm_sim::PathOf;
using crm_sim::QueryOf;

constexpr std::string_view kV2Prefix = "/sap/opu/odata/sap/";
constexpr std::string_view kV4Prefix = "/sap/opu/odata4/";

// SAP Gateway's error body (docs/protocols.md §A.4).
http::Response GatewayError(const http::Request& req, int status, std::string_view code, std::string_view message) {
  json::object error{{"code", code},
                     {"message", json::object{{"lang", "en"}, {"value", message}}},
                     {"innererror", json::object{{"transactionid", crm_sim::RandomText(32, "0123456789ABCDEF")},
                                                 {"errordetails", json::array{}}}}};
  return JsonResponse(req, status, json::object{{"error", std::move(error)}});
}

http::Response LogonFailed(const http::Request& req) {
  http::Response res{http::beast_http::status::unauthorized, req.version()};
  res.set(http::beast_http::field::www_authenticate, "Basic realm=\"SAP NetWeaver Application Server [S4H/100]\"");
  res.set(http::beast_http::field::content_type, "text/html; charset=utf-8");
  res.body() = "<html><head><title>Logon Error Message</title></head><body>Logon failed</body></html>";
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

// "A_BusinessPartner" → "API_BUSINESS_PARTNER.A_BusinessPartnerType".
std::string TypeName(const std::string& service, const std::string& entity_set) {
  return service + "." + entity_set + "Type";
}

// The entity as SAP sends it. V2: __metadata first, navigations expanded
// or deferred. V4: no metadata in the entity, navigations only when
// expanded, collections as plain arrays.
json::object Rendered(const crm_sim::Record& record, const std::string& uri, const std::string& type,
                      const std::vector<std::string>& expand, bool v4) {
  json::object out;
  if (!v4) out["__metadata"] = json::object{{"id", uri}, {"uri", uri}, {"type", type}};
  for (const auto& [name, value] : record.fields) {
    if (!name.starts_with("to_")) {
      out[name] = value;
      continue;
    }
    // $expand=to_A/to_B expands to_A as well.
    const bool expanded = std::any_of(expand.begin(), expand.end(), [&](const std::string& e) {
      return e == name || (e.starts_with(name) && e.size() > name.size() && e[name.size()] == '/');
    });
    if (!expanded) {
      if (!v4) out[name] = json::object{{"__deferred", json::object{{"uri", uri + "/" + std::string(name)}}}};
    } else if (value.is_array() && !v4) {
      out[name] = json::object{{"results", value}};
    } else {
      out[name] = value;
    }
  }
  return out;
}

// The query string of `query` with $skiptoken replaced: what __next carries.
// The query string of `query` with `name` set to `value`: what __next
// (with $skiptoken) and a delta link (with !deltatoken) carry, so the
// request's own options ($expand, $filter) hold for what they bring.
std::string QueryWith(const std::map<std::string, std::string>& query, const std::string& name,
                      const std::string& value) {
  std::string out;
  for (const auto& [n, v] : query) {
    // A delta link starts a new answer: no page position from this one.
    if (n == name || (name == "!deltatoken" && (n == "$skiptoken" || n == "sim-token"))) continue;
    out += (out.empty() ? "?" : "&") + n + "=" + http::PercentEncode(v);
  }
  return out + (out.empty() ? "?" : "&") + name + "=" + http::PercentEncode(value);
}

std::string NextQuery(const std::map<std::string, std::string>& query, size_t skiptoken) {
  return QueryWith(query, "$skiptoken", std::to_string(skiptoken));
}

// The sequence number of a record's last write (the store numbers writes
// across the vendor).
uint64_t LastWrite(const crm_sim::Record& record) {
  if (record.history.empty() || !record.history.back().is_object()) return record.created_seq;
  const boost::json::value* seq = record.history.back().as_object().if_contains("_seq");
  return seq != nullptr && seq->is_uint64()  ? seq->get_uint64()
         : seq != nullptr && seq->is_int64() ? static_cast<uint64_t>(seq->get_int64())
                                             : record.created_seq;
}

// A key predicate's values, in the given order: ('1000746') → one value;
// (Product='TG11',Plant='1010') → two, named. Each is a literal as $filter
// writes it (so guid'…' and 42L are read, and their kind kept for the key
// type check). nullopt when it is no key predicate.
struct KeyPart {
  std::string name;  // empty for a single unnamed value
  Literal literal;
};
std::optional<std::vector<KeyPart>> KeyParts(std::string_view inner, bool v4) {
  std::vector<KeyPart> parts;
  size_t i = 0;
  while (i < inner.size()) {
    KeyPart part;
    const size_t quote = inner.find('\'', i);
    const size_t eq = inner.find('=', i);
    if (eq != std::string_view::npos && eq < quote && eq < inner.find(',', i)) {
      part.name = std::string(inner.substr(i, eq - i));
      i = eq + 1;
    }
    // The literal runs to the next ',' outside quotes.
    size_t end = i;
    bool quoted = false;
    for (; end < inner.size() && (quoted || inner[end] != ','); ++end) {
      if (inner[end] == '\'') quoted = !quoted;  // '' toggles twice
    }
    if (quoted) return std::nullopt;
    auto literal = ParseLiteral(std::string(inner.substr(i, end - i)), v4);
    if (!literal.ok() || literal->is_null || literal->is_time) return std::nullopt;
    part.literal = std::move(literal).value();
    parts.push_back(std::move(part));
    i = end + (end < inner.size() ? 1 : 0);
    if (end < inner.size() && i >= inner.size()) return std::nullopt;  // a trailing ','
  }
  if (parts.empty()) return std::nullopt;
  return parts;
}

}  // namespace

// No OAuth here: S/4 logs on with Basic or a client certificate (LoggedOn).
S4ODataSim::S4ODataSim(boost::asio::any_io_executor executor)
    : VendorSim(/*ignore_case=*/false, crm_sim::VendorState("", "", 0)), events_(executor) {}

void S4ODataSim::Seeded(std::string_view object, const std::string& id, bool existed) {
  auto it = event_types_.find(std::string(object));
  const crm_sim::Record* record = store().Get(object, id);
  if (it == event_types_.end() || record == nullptr) return;
  json::object data;
  for (const std::string& field : it->second.key) {
    if (const json::value* v = record->fields.if_contains(field)) data[field] = *v;
  }
  events_.Push(it->second.type + (existed ? ".Changed.v1" : ".Created.v1"), std::move(data));
}

bool S4ODataSim::Claims(std::string_view path) const {
  return path.starts_with(kV2Prefix) || path.starts_with(kV4Prefix) || path == kIdocInboundPath;
}

std::string S4ODataSim::NewRecordId(std::string_view) { return crm_sim::RandomText(10, "0123456789"); }

void S4ODataSim::AddStats(json::object& stats) const {
  stats["pages_served"] = pages_served_;
  stats["entities_served"] = entities_served_;
  stats["events_delivered"] = events_.delivered();
  stats["events_redelivered"] = events_.redeliveries();
  stats["events_given_up"] = events_.given_up();
  stats["writes_refused_csrf"] = writes_refused_csrf_;
}

void S4ODataSim::ResetVendor() {
  user_ = "FERRY_COMM";
  password_ = "s4-secret";
  client_ = "100";
  page_size_ = 1000;
  pages_served_ = entities_served_ = 0;
  seed_after_page_.reset();
  delta_sets_.clear();
  removals_.clear();
  key_types_.clear();
  events_.Unsubscribe();
  event_types_.clear();
  csrf_tokens_.clear();
  writes_refused_csrf_ = 0;
  certificate_logon_ = false;
}

Status S4ODataSim::Configure(const json::object& settings) {
  for (const auto& [key, value] : settings) {
    if (key == "latency_ms") {  // the framework's own setting
      auto applied = state().ApplySetting(key, value);
      if (!applied.ok()) return applied.status();
      continue;
    }
    if ((key == "user" || key == "password" || key == "client") && value.is_string()) {
      (key == "user" ? user_ : key == "password" ? password_ : client_) = std::string(value.get_string());
    } else if (key == "page_size" && value.is_int64() && value.get_int64() > 0) {
      page_size_ = static_cast<size_t>(value.get_int64());
    } else if (key == "key_types" && value.is_object()) {
      // {"SERVICE/Set": {"Field": "guid" | "int64"}}: properties typed
      // Edm.Guid or Edm.Int64 in the service's metadata.
      key_types_.clear();
      for (const auto& [set, fields] : value.get_object()) {
        if (!fields.is_object()) return Status::InvalidArgument("s4: key_types maps entity sets to {field: type}");
        for (const auto& [field, type] : fields.get_object()) {
          if (!type.is_string() || (type.get_string() != "guid" && type.get_string() != "int64")) {
            return Status::InvalidArgument("s4: key_types knows guid and int64");
          }
          key_types_[std::string(set)][std::string(field)] = std::string(type.get_string());
        }
      }
    } else if (key == "delta" && value.is_array()) {
      // Entity sets ("SERVICE/Set", a V4 set under its service path) that
      // track changes: their last page carries a delta link.
      delta_sets_.clear();
      for (const auto& set : value.get_array()) {
        if (!set.is_string()) return Status::InvalidArgument("s4: delta lists entity sets as strings");
        delta_sets_.insert(std::string(set.get_string()));
      }
    } else if (key == "logon" && value.is_string() &&
               (value.get_string() == "basic" || value.get_string() == "certificate")) {
      certificate_logon_ = value.get_string() == "certificate";
    } else if (key == "expire_csrf_tokens" && value.is_bool()) {
      if (value.get_bool()) csrf_tokens_.clear();  // as when the session times out
    } else if (key == "end_session_before_next_write" && value.is_bool()) {
      end_session_before_next_write_ = value.get_bool();  // between a client's token fetch and its write
    } else if (key == "events" && value.is_null()) {
      events_.Unsubscribe();
      event_types_.clear();
    } else if (key == "events" && value.is_object()) {
      const json::object& e = value.get_object();
      auto text = [&](const char* name) {
        const json::value* v = e.if_contains(name);
        return v && v->is_string() ? std::string(v->get_string()) : std::string();
      };
      const json::value* types = e.if_contains("types");
      if (text("url").empty() || !types || !types->is_object()) {
        return Status::InvalidArgument("s4: events needs url and types");
      }
      event_types_.clear();
      for (const auto& [set, t] : types->get_object()) {
        if (!t.is_object() || !t.get_object().contains("type") || !t.get_object().at("type").is_string() ||
            !t.get_object().contains("key") || !t.get_object().at("key").is_array()) {
          return Status::InvalidArgument("s4: each events type needs type and key");
        }
        EventType type{std::string(t.get_object().at("type").get_string()), {}};
        for (const auto& k : t.get_object().at("key").get_array()) {
          if (k.is_string()) type.key.emplace_back(k.get_string());
        }
        event_types_[std::string(set)] = std::move(type);
      }
      const std::string source = text("source");
      events_.Subscribe(
          {text("url"), source.empty() ? "/default/sap.s4.beh/S4HCLNT100" : source, text("user"), text("password")});
    } else if (key == "seed_after_page" && value.is_object() && value.get_object().contains("page") &&
               value.get_object().at("page").is_int64() && value.get_object().at("page").get_int64() > 0) {
      // An entity that changes while a client pages: seeded once the
      // collection page numbered `page` (counted from this setting) has
      // been answered.
      seed_after_page_ = value.get_object();
      seed_after_page_->erase("page");
      seed_at_pages_ = pages_served_ + static_cast<uint64_t>(value.get_object().at("page").get_int64());
    } else {
      return Status::InvalidArgument("s4: unknown setting or bad value for '" + std::string(key) + "'");
    }
  }
  return Status::Ok();
}

http::Response S4ODataSim::FaultResponse(const http::Request& req, const crm_sim::Fault& fault) {
  std::string code = fault.error_code;
  if (code.empty()) code = fault.status == 429 ? "/IWFND/CM_BEC/026" : "/IWFND/CM_BEC/004";
  const std::string message = fault.message.empty()
                                  ? (fault.status == 429 ? "Too many requests" : "Service temporarily unavailable")
                                  : fault.message;
  auto res = GatewayError(req, fault.status, code, message);
  if (fault.retry_after_s > 0) res.set(http::beast_http::field::retry_after, std::to_string(fault.retry_after_s));
  return res;
}

bool S4ODataSim::LoggedOn(const http::Request& req) const {
  const auto query = QueryOf(req.target());
  auto client = query.find("sap-client");
  if (client != query.end() && client->second != client_) return false;
  // With certificate logon, a TLS front end (the ICF's SSL port) has
  // checked the client's certificate before the request got here.
  if (certificate_logon_ && HeaderOf(req, "Authorization").empty()) return true;
  return HeaderOf(req, "Authorization") == http::BasicAuthorization(user_, password_);
}

http::Response S4ODataSim::Handle(const http::Request& req, const crm_sim::SimContext& ctx) {
  if (!LoggedOn(req)) return LogonFailed(req);
  const std::string_view full = PathOf(req.target());
  if (full == kIdocInboundPath) return ReceiveIdocs(req, store());
  // V2: /sap/opu/odata/sap/SERVICE/Set; V4: /sap/opu/odata4/<service
  // path>/Set, the service path standing for the service.
  Where where;
  where.v4 = full.starts_with(kV4Prefix);
  const std::string path(full.substr(where.v4 ? kV4Prefix.size() : kV2Prefix.size()));
  const size_t slash = where.v4 ? path.rfind('/') : path.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 >= path.size() ||
      (!where.v4 && path.find('/', slash + 1) != std::string::npos)) {
    return GatewayError(req, 404, "/IWFND/MED/170", "No service found for namespace '', name '" + path + "'");
  }
  const bool write = req.method() != http::beast_http::verb::get && req.method() != http::beast_http::verb::head;
  if (write) {
    if (auto refused = CheckCsrf(req)) return *refused;
  }
  where.service = path.substr(0, slash);
  where.root = ctx.base_url + std::string(where.v4 ? kV4Prefix : kV2Prefix) + where.service + "/";
  const std::string set = crm_sim::PercentDecode(path.substr(slash + 1));
  if (!KnowsService(where.service)) {
    // The hub's answer for a service not registered (/IWFND/MAINT_SERVICE).
    return GatewayError(req, 404, "/IWFND/MED/170",
                        "No service found for namespace '/SAP/', name '" + where.service + "', version '0001'");
  }
  if (const size_t open = set.find('('); open != std::string::npos && set.ends_with(")")) {
    const auto parts = KeyParts(std::string_view(set).substr(open + 1, set.size() - open - 2), where.v4);
    if (!parts) return GatewayError(req, 400, "/IWBEP/CM_MGW_RT/022", "Invalid key predicate in '" + set + "'");
    where.entity_set = set.substr(0, open);
    std::string key;
    for (const KeyPart& part : *parts) {
      if (auto wrong = WrongKeyType(where, part.name, part.literal, parts->size() == 1)) {
        return GatewayError(req, 400, "/IWBEP/CM_MGW_RT/022", "Invalid key predicate in '" + set + "': " + *wrong);
      }
      key += (key.empty() ? "" : ",") + part.literal.text;
    }
    if (write) return GatewayError(req, 405, "/IWBEP/CM_MGW_RT/021", "The simulator creates only (POST)");
    return Entity(req, where, key);
  }
  where.entity_set = set;
  if (req.method() == http::beast_http::verb::post) return Create(req, where);
  if (write) return GatewayError(req, 405, "/IWBEP/CM_MGW_RT/021", "The simulator creates only (POST)");
  http::Response res = Collection(req, where);
  IssueCsrfToken(req, res);
  return res;
}

std::optional<http::Response> S4ODataSim::CheckCsrf(const http::Request& req) {
  // The session is the SAP_SESSIONID cookie the token was fetched with.
  const std::string cookies(HeaderOf(req, "Cookie"));
  const std::string token(HeaderOf(req, "X-CSRF-Token"));
  const std::string name = "SAP_SESSIONID_S4H_" + client_ + "=";
  if (end_session_before_next_write_) {
    end_session_before_next_write_ = false;
    csrf_tokens_.clear();
  }
  std::string session;
  if (const size_t at = cookies.find(name); at != std::string::npos) {
    session = cookies.substr(at + name.size(), cookies.find(';', at) - at - name.size());
  }
  auto it = csrf_tokens_.find(session);
  if (!token.empty() && it != csrf_tokens_.end() && it->second == token) return std::nullopt;
  ++writes_refused_csrf_;
  http::Response res{http::beast_http::status::forbidden, req.version()};
  res.set("X-CSRF-Token", "Required");
  res.set(http::beast_http::field::content_type, "text/plain; charset=utf-8");
  res.body() = "CSRF token validation failed";
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

void S4ODataSim::IssueCsrfToken(const http::Request& req, http::Response& res) {
  if (HeaderOf(req, "X-CSRF-Token") != "Fetch" || res.result_int() != 200) return;
  const std::string session = crm_sim::RandomText(32);
  const std::string token = crm_sim::RandomText(24, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
  csrf_tokens_[session] = token;
  res.set("X-CSRF-Token", token);
  res.insert(http::beast_http::field::set_cookie,
             "SAP_SESSIONID_S4H_" + client_ + "=" + session + "; path=/; HttpOnly");
  res.insert(http::beast_http::field::set_cookie, "sap-XSRF_S4H_" + client_ + "=" + token + "; path=/sap/opu/odata/");
}

http::Response S4ODataSim::Create(const http::Request& req, const Where& where) {
  boost::system::error_code ec;
  json::value body = json::parse(req.body(), ec);
  if (ec || !body.is_object()) {
    return GatewayError(req, 400, "/IWBEP/CM_MGW_RT/004", "The request body is not a JSON object");
  }
  json::object fields = std::move(body.as_object());
  // Deep insert: a navigation given as {"results":[…]} is stored as its
  // array, as seeds hold it.
  for (auto& [name, value] : fields) {
    if (name.starts_with("to_") && value.is_object() && value.as_object().contains("results")) {
      value = json::value(value.as_object().at("results"));
    }
  }
  const std::string object = where.service + "/" + where.entity_set;
  // Sales and service orders check their sold-to party alike.
  if (object == "API_SALES_ORDER_SRV/A_SalesOrder" || object == "API_SERVICE_ORDER_SRV/A_ServiceOrder") {
    if (std::optional<std::string> why = RefusedSalesOrder(fields)) {
      // A business error, as Gateway passes on the sales order API's own
      // message (the message class and number are the simulator's).
      return GatewayError(req, 400, "V1/382", *why);
    }
  }
  const std::string id = NewRecordId(object);
  // The key property takes the number SAP gives (A_SalesOrder: SalesOrder).
  const std::string key = where.entity_set.starts_with("A_") ? where.entity_set.substr(2) : where.entity_set;
  if (!fields.contains(key)) fields[key] = id;
  const crm_sim::Record& record = store().Create(object, id, fields, "create");
  const std::string uri = where.root + where.entity_set + "('" + id + "')";
  std::vector<std::string> expand;
  for (const auto& [name, value] : record.fields) {
    if (name.starts_with("to_")) expand.emplace_back(name);
  }
  http::Response res = JsonResponse(
      req, 201,
      json::object{{"d", Rendered(record, uri, TypeName(where.service, where.entity_set), expand, where.v4)}});
  res.set(http::beast_http::field::location, uri);
  return res;
}

std::optional<std::string> S4ODataSim::WrongKeyType(const Where& where, const std::string& field,
                                                    const Literal& literal, bool only_value) const {
  auto set = key_types_.find(where.service + "/" + where.entity_set);
  if (set == key_types_.end() || literal.is_null) return std::nullopt;
  auto typed = field.empty() && only_value && set->second.size() == 1 ? set->second.begin() : set->second.find(field);
  if (typed == set->second.end()) return std::nullopt;
  // V4 writes an Int64 as a bare number.
  const bool fits = literal.type == typed->second || (where.v4 && typed->second == "int64" && literal.type == "number");
  if (fits) return std::nullopt;
  return "'" + typed->first + "' is Edm." + (typed->second == "guid" ? "Guid" : "Int64") + ", not " + literal.type;
}

void S4ODataSim::Removed(std::string_view object, const std::string& id) {
  removals_[std::string(object)].push_back({id, store().seq()});
}

std::optional<std::string> S4ODataSim::RefusedSalesOrder(const json::object& order) {
  // The sold-to party must be a customer, once the simulator knows any.
  constexpr std::string_view kCustomers = "API_BUSINESS_PARTNER/A_Customer";
  if (!store().Counts().contains(kCustomers)) return std::nullopt;
  const json::value* sold_to = order.if_contains("SoldToParty");
  const std::string party = sold_to && sold_to->is_string() ? std::string(sold_to->get_string()) : "";
  if (party.empty()) return "Enter a sold-to party";
  if (store().Find(kCustomers, {{"Customer", party}}).empty()) return "Sold-to party " + party + " does not exist";
  return std::nullopt;
}

bool S4ODataSim::KnowsService(const std::string& service) {
  for (const auto& object : store().Counts()) {
    if (object.key().starts_with(service + "/")) return true;
  }
  return false;
}

http::Response S4ODataSim::Entity(const http::Request& req, const Where& where, const std::string& key) {
  const std::string& service = where.service;
  const std::string& entity_set = where.entity_set;
  auto parsed = ParseODataQuery(QueryOf(req.target()), where.v4);
  if (!parsed.ok()) return GatewayError(req, 400, "/IWBEP/CM_MGW_RT/022", parsed.status().message());
  const crm_sim::Record* record = store().Get(service + "/" + entity_set, key);
  if (record == nullptr) {
    return GatewayError(req, 404, "/IWBEP/CM_MGW_RT/020", "Resource not found for segment '" + entity_set + "'");
  }
  const std::string uri = where.root + entity_set + "('" + key + "')";
  ++entities_served_;
  json::object entity = Rendered(*record, uri, TypeName(service, entity_set), parsed->expand, where.v4);
  if (!where.v4) return JsonResponse(req, 200, json::object{{"d", std::move(entity)}});
  json::object v4{{"@odata.context", "$metadata#" + entity_set + "/$entity"}};
  for (auto& [name, value] : entity) v4[name] = std::move(value);
  return JsonResponse(req, 200, std::move(v4));
}

http::Response S4ODataSim::Collection(const http::Request& req, const Where& where) {
  const std::string& service = where.service;
  const std::string& entity_set = where.entity_set;
  const auto query = QueryOf(req.target());
  auto parsed = ParseODataQuery(query, where.v4);
  if (!parsed.ok()) return GatewayError(req, 400, "/IWBEP/CM_MGW_RT/022", parsed.status().message());
  const ODataQuery& q = *parsed;
  if (q.filter) {
    // Gateway converts each literal to its property's type: a Guid or
    // Int64 key written as text is refused.
    std::vector<const FilterNode*> open{&*q.filter};
    while (!open.empty()) {
      const FilterNode* node = open.back();
      open.pop_back();
      for (const FilterNode& child : node->children) open.push_back(&child);
      if (node->kind != FilterNode::Kind::kComparison) continue;
      if (auto wrong = WrongKeyType(where, node->comparison.field, node->comparison.value, false)) {
        return GatewayError(req, 400, "/IWBEP/CM_MGW_RT/022", "Invalid filter expression: " + *wrong);
      }
    }
  }
  if (!q.json && HeaderOf(req, "Accept").find("application/json") == std::string_view::npos) {
    return GatewayError(req, 406, "/IWBEP/CM_MGW_RT/005", "The simulator answers JSON only: send $format=json");
  }
  const std::vector<const crm_sim::Record*> stored = store().Records(service + "/" + entity_set);
  // A delta link's token is the latest write to the set when it was given:
  // following it answers what was written since.
  const bool tracks = delta_sets_.count(service + "/" + entity_set) > 0;
  std::optional<uint64_t> changed_since;
  if (auto token = query.find("!deltatoken"); token != query.end()) {
    const std::string& t = token->second;
    uint64_t n = 0;
    const bool quoted = t.size() > 2 && t.front() == '\'' && t.back() == '\'';
    auto [end, ec] = std::from_chars(t.data() + (quoted ? 1 : 0), t.data() + t.size() - (quoted ? 1 : 0), n);
    if (!tracks || !quoted || ec != std::errc() || end != t.data() + t.size() - 1) {
      return GatewayError(req, 400, "/IWBEP/CM_MGW_RT/022", "Invalid delta token " + t);
    }
    changed_since = n;
  }
  // The token is taken when the answer starts, and carried through its
  // pages (sim-token): a write while a client pages comes with the next
  // delta, as a change log read from a point in time gives it.
  uint64_t latest_write = 0;
  for (const crm_sim::Record* r : stored) latest_write = std::max(latest_write, LastWrite(*r));
  const std::vector<Removal>& removals = removals_[service + "/" + entity_set];
  for (const Removal& r : removals) latest_write = std::max(latest_write, r.seq);
  if (auto carried = query.find("sim-token"); carried != query.end() && q.skiptoken > 0) {
    latest_write = std::strtoull(carried->second.c_str(), nullptr, 10);
  }
  std::map<std::string, std::string> paged_query = query;
  paged_query["sim-token"] = std::to_string(latest_write);
  if (stored.empty() && store().Counts().if_contains(service + "/" + entity_set) == nullptr) {
    return GatewayError(req, 404, "/IWBEP/CM_MGW_RT/020",
                        "Resource not found for segment '" + entity_set + "' of service " + service);
  }
  // The sort keys are read once per entity, not at every comparison: a
  // benchmark pages through tens of thousands of entities.
  struct Candidate {
    std::vector<Literal> keys;
    const crm_sim::Record* record;
  };
  std::vector<Candidate> candidates;
  candidates.reserve(stored.size());
  for (const crm_sim::Record* r : stored) {
    if (q.filter && !Holds(*q.filter, r->fields)) continue;
    if (changed_since && LastWrite(*r) <= *changed_since) continue;
    Candidate c{{}, r};
    for (const OrderKey& k : q.orderby) c.keys.push_back(ValueOf(r->fields.if_contains(k.field)));
    candidates.push_back(std::move(c));
  }
  std::sort(candidates.begin(), candidates.end(), [&](const Candidate& a, const Candidate& b) {
    for (size_t i = 0; i < q.orderby.size(); ++i) {
      const int c = Compare(a.keys[i], b.keys[i]);
      if (c != 0) return q.orderby[i].descending ? c > 0 : c < 0;
    }
    return a.record->id < b.record->id;
  });
  std::vector<const crm_sim::Record*> matching;
  matching.reserve(candidates.size());
  for (const Candidate& c : candidates) matching.push_back(c.record);

  // Client paging ($skip, $top) first, then the server's own pages.
  const size_t begin = std::min(matching.size(), q.skip);
  const size_t end = q.top == SIZE_MAX ? matching.size() : std::min(matching.size(), begin + q.top);
  const size_t page_begin = std::min(end, begin + q.skiptoken);
  const size_t page_end = std::min(end, page_begin + page_size_);
  json::array results;
  const std::string& base = where.root;
  for (size_t i = page_begin; i < page_end; ++i) {
    const std::string uri = base + entity_set + "('" + matching[i]->id + "')";
    results.push_back(Rendered(*matching[i], uri, TypeName(service, entity_set), q.expand, where.v4));
  }
  ++pages_served_;
  entities_served_ += results.size();
  if (seed_after_page_ && pages_served_ == seed_at_pages_) {
    // A malformed seed is the test's own mistake: said on stderr, which
    // the test keeps in its log.
    if (auto seeded = Seed(*seed_after_page_); !seeded.ok()) {
      std::cerr << "seed_after_page: " << seeded.status().message() << "\n";
    }
    seed_after_page_.reset();
  }
  const std::string next =
      page_end < end ? base + entity_set + NextQuery(tracks ? paged_query : query, q.skiptoken + page_size_) : "";
  // V4 gives a delta link only when asked to track changes; V2 always.
  const bool asked =
      !where.v4 || changed_since || HeaderOf(req, "Prefer").find("odata.track-changes") != std::string_view::npos;
  const std::string delta =
      next.empty() && tracks && asked
          ? base + entity_set + QueryWith(query, "!deltatoken", "'" + std::to_string(latest_write) + "'")
          : "";
  if (where.v4 && changed_since && next.empty()) {
    // A V4 delta answer names the entities deleted since its token (4.01's
    // "@removed", identified by "@id"), on its last page.
    for (const Removal& r : removals) {
      if (r.seq <= *changed_since || r.seq > latest_write) continue;
      results.push_back(
          json::object{{"@removed", json::object{{"reason", "deleted"}}}, {"@id", entity_set + "('" + r.id + "')"}});
    }
  }
  if (where.v4) {
    json::object answer{{"@odata.context", "$metadata#" + entity_set}, {"value", std::move(results)}};
    if (!next.empty()) answer["@odata.nextLink"] = next;
    if (!delta.empty()) answer["@odata.deltaLink"] = delta;
    return JsonResponse(req, 200, std::move(answer));
  }
  json::object d{{"results", std::move(results)}};
  if (!next.empty()) d["__next"] = next;
  if (!delta.empty()) d["__delta"] = delta;
  return JsonResponse(req, 200, json::object{{"d", std::move(d)}});
}

}  // namespace ferry::s4_sim
