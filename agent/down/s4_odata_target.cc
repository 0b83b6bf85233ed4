#include "agent/down/s4_odata_target.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "agent/sources/s4_odata/odata_literal.h"
#include "agent/sources/s4_odata/odata_names.h"
#include "common/http/url_encoding.h"
#include "common/util/utf8.h"

namespace ferry::agent {
namespace {

namespace bhttp = boost::beast::http;
constexpr std::chrono::milliseconds kRefusedLogonPause{15 * 60000};
// After a post whose outcome is unknown, on top of the request timeout.
constexpr std::chrono::milliseconds kUnknownOutcomeMargin{30000};

// "a=1; path=/; HttpOnly\nb=2; path=/x" → "a=1; b=2": what a browser
// would send back to the same service.
std::string CookieHeader(const std::string& set_cookie) {
  std::string out;
  size_t start = 0;
  while (start < set_cookie.size()) {
    size_t end = set_cookie.find('\n', start);
    if (end == std::string::npos) end = set_cookie.size();
    std::string_view line(set_cookie.data() + start, end - start);
    line = line.substr(0, line.find(';'));
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (line.find('=') != std::string_view::npos && line.find_first_of("\r\n") == std::string_view::npos) {
      out += (out.empty() ? "" : "; ") + std::string(line);
    }
    start = end + 1;
  }
  return out;
}

// The key of a V2 entity ({"__metadata": {"uri": ...}}); empty when it
// has none that reads.
std::string NumberOfEntity(const boost::json::object* entity) {
  if (entity == nullptr) return "";
  const boost::json::value* metadata = entity->if_contains("__metadata");
  const boost::json::value* uri =
      metadata && metadata->is_object() ? metadata->get_object().if_contains("uri") : nullptr;
  return uri && uri->is_string() ? S4ODataTarget::KeyOfUri(uri->get_string()) : "";
}

// A created entity's answer, {"d": {...}}: its number.
std::string NumberOfCreated(const boost::json::value& answer) {
  const boost::json::value* d = answer.is_object() ? answer.get_object().if_contains("d") : nullptr;
  return d ? NumberOfEntity(d->if_object()) : "";
}

boost::json::value ParseBody(const std::string& body) {
  boost::json::parse_options options;
  options.max_depth = 64;
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(body, ec, {}, options);
  return ec ? boost::json::value() : value;
}

}  // namespace

std::string S4ODataTarget::KeyOfUri(std::string_view uri) {
  const size_t open = uri.rfind('(');
  if (open == std::string_view::npos || uri.empty() || uri.back() != ')') return "";
  std::string_view key = uri.substr(open + 1, uri.size() - open - 2);
  if (key.size() >= 2 && key.front() == '\'' && key.back() == '\'') key = key.substr(1, key.size() - 2);
  std::string out(key);
  // A key is short; anything else is not a document number.
  if (out.size() > 64 || FindInvalidUtf8(out) != std::string::npos) return "";
  return out;
}

S4ODataTarget::S4ODataTarget(boost::asio::any_io_executor executor, S4Connection connection)
    : connection_(std::move(connection)), authorization_(connection_.Authorization()) {
  client_ = std::make_unique<http::HttpClient>(executor, connection_.ClientOptions());
}

boost::asio::awaitable<S4ODataTarget::Lookup> S4ODataTarget::FindAndFetchToken(const std::string& base,
                                                                               const ferry::v1::MappedRecord& record,
                                                                               Session& session) {
  Lookup out;
  const std::optional<std::string> literal = KeyLiteral(record.external_id(), ODataKeyType::kString, false);
  const std::string filter = record.key_field() + " eq " + literal.value_or("''");
  const std::string target =
      base + "?$filter=" + http::PercentEncode(filter) + "&$top=1&$format=json" + connection_.ClientParameter();
  auto url = http::ParseUrl(target);
  if (!url.ok()) {
    out.message = url.status().message();
    co_return out;
  }
  http::HttpClient::OutRequest req{bhttp::verb::get, url->target, 11};
  req.set(bhttp::field::accept, "application/json");
  req.set("X-CSRF-Token", "Fetch");
  if (!authorization_.empty()) req.set(bhttp::field::authorization, authorization_);
  Result<http::ClientResponse> res = co_await client_->Send(*url, std::move(req));
  if (!res.ok()) {
    out.message = res.status().message();
    co_return out;
  }
  out.status = res->status;
  out.retry_after = RetryAfter(*res);
  if (res->status != 200) {
    out.message = GatewayMessage(res->body);
    co_return out;
  }
  session.token = res->headers.count("x-csrf-token") ? res->headers.at("x-csrf-token") : "";
  session.cookies = res->headers.count("set-cookie") ? CookieHeader(res->headers.at("set-cookie")) : "";
  // Only an empty collection says "not there": anything else that does not
  // read (a proxy's page, an entity without its key) could be the order,
  // and posting on it could make a second one.
  const boost::json::value answer = ParseBody(res->body);
  const boost::json::value* d = answer.is_object() ? answer.get_object().if_contains("d") : nullptr;
  const boost::json::value* results = d && d->is_object() ? d->get_object().if_contains("results") : nullptr;
  const boost::json::array* list = results ? results->if_array() : nullptr;
  if (list == nullptr) {
    out.status = 0;
    out.message = "the lookup's answer is not an OData V2 collection";
    co_return out;
  }
  if (!list->empty()) {
    out.number = NumberOfEntity((*list)[0].if_object());
    if (out.number.empty()) {
      out.status = 0;
      out.message = "the lookup found an entity without a key that reads";
    }
  }
  co_return out;
}

boost::asio::awaitable<SapAnswer> S4ODataTarget::Create(const ferry::v1::MappedRecord& record) {
  SapAnswer answer;
  const std::string& object = record.object();
  const size_t slash = object.find('/');
  const std::string service = slash == std::string::npos ? "" : object.substr(0, slash);
  const std::string entity_set = slash == std::string::npos ? "" : object.substr(slash + 1);
  if (!IsODataName(service) || !IsODataName(entity_set) || !IsODataName(record.key_field())) {
    answer.kind = SapAnswer::Kind::kRefused;
    answer.message = "the record's object must be <SERVICE>/<EntitySet> and its key_field a property name, not '" +
                     EscapeForLog(object) + "'";
    co_return answer;
  }
  const std::string base = connection_.url + "/sap/opu/odata/sap/" + service + "/" + entity_set;
  auto classify = [&](int status, std::string message, std::chrono::milliseconds retry_after) {
    answer.message = std::move(message);
    answer.retry_after = retry_after;
    if (status == 400 || status == 404 || status == 405 || status == 409 || status == 412 || status == 422) {
      answer.kind = SapAnswer::Kind::kRefused;
    } else {
      answer.kind = SapAnswer::Kind::kRetry;
      if (status == 401 || status == 403) answer.retry_after = kRefusedLogonPause;
    }
  };
  for (int attempt = 0; attempt < 2; ++attempt) {
    Session session;
    Lookup found = co_await FindAndFetchToken(base, record, session);
    if (found.status != 200 || !found.message.empty()) {
      classify(found.status, "looking up " + record.key_field() + " " + record.external_id() + ": " + found.message,
               found.retry_after);
      co_return answer;
    }
    if (!found.number.empty()) {
      answer.kind = SapAnswer::Kind::kCreated;
      answer.number = found.number;
      answer.found = true;
      co_return answer;
    }
    auto url = http::ParseUrl(WithClient(connection_, base));
    if (!url.ok()) {
      classify(400, url.status().message(), {});
      co_return answer;
    }
    http::HttpClient::OutRequest req{bhttp::verb::post, url->target, 11};
    req.set(bhttp::field::content_type, "application/json");
    req.set(bhttp::field::accept, "application/json");
    req.set("X-CSRF-Token", session.token);
    if (!session.cookies.empty()) req.set(bhttp::field::cookie, session.cookies);
    if (!authorization_.empty()) req.set(bhttp::field::authorization, authorization_);
    req.body() = record.fields_json();
    req.prepare_payload();
    Result<http::ClientResponse> res = co_await client_->Send(*url, std::move(req));
    if (!res.ok() || res->status == 502 || res->status == 504) {
      // No answer from SAP: it may still be making the document. The next
      // attempt's lookup must come after SAP has finished, so it waits at
      // least as long as SAP had for this one.
      classify(0, res.ok() ? "HTTP " + std::to_string(res->status) + " from a gateway" : res.status().message(),
               connection_.timeout + kUnknownOutcomeMargin);
      co_return answer;
    }
    const bool csrf_required =
        res->status == 403 && res->headers.count("x-csrf-token") && res->headers.at("x-csrf-token") == "Required";
    if (csrf_required && attempt == 0) {
      spdlog::info("event=s4_csrf_token_refetched object={}", EscapeForLog(object));
      continue;
    }
    if (res->status == 201) {
      answer.kind = SapAnswer::Kind::kCreated;
      answer.number = NumberOfCreated(ParseBody(res->body));
      if (answer.number.empty())
        answer.number = KeyOfUri(res->headers.count("location") ? res->headers.at("location") : "");
      co_return answer;
    }
    classify(res->status, GatewayMessage(res->body), RetryAfter(*res));
    co_return answer;
  }
  co_return answer;
}

}  // namespace ferry::agent
