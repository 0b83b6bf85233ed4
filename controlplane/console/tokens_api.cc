#include "controlplane/console/tokens_api.h"

#include <boost/json.hpp>

#include "common/http/json_response.h"
#include "common/util/clock.h"
#include "controlplane/console/console_users.h"

namespace ferry::controlplane {

namespace bhttp = boost::beast::http;
using ferry::v1::ConsoleUser;

http::Response ManageTokens(const http::Request& req, std::string_view target, const std::string& user,
                            const std::string& client, ApiTokens& api_tokens, const AuditLog& audit) {
  ferry::v1::AuditEntry entry;
  entry.set_user(user);
  entry.set_client(client);
  if (target == "/api/v1/tokens" && (req.method() == bhttp::verb::get || req.method() == bhttp::verb::head)) {
    auto tokens = api_tokens.List();
    if (!tokens.ok()) return http::JsonError(req, bhttp::status::internal_server_error, tokens.status().message());
    boost::json::array rows;
    for (const auto& t : *tokens) {
      rows.push_back(boost::json::object{{"id", t.id()},
                                         {"name", t.name()},
                                         {"role", ConsoleRoleName(t.role())},
                                         {"created_unix_ms", t.created_unix_ms()},
                                         {"expires_unix_ms", t.expires_unix_ms()},
                                         {"created_by", t.created_by()}});
    }
    return http::JsonResponse(req, bhttp::status::ok, boost::json::object{{"tokens", std::move(rows)}});
  }
  if (target == "/api/v1/tokens" && req.method() == bhttp::verb::post) {
    boost::system::error_code ec;
    const boost::json::value body = boost::json::parse(req.body(), ec);
    const auto* o = !ec ? body.if_object() : nullptr;
    const auto* name = o ? o->if_contains("name") : nullptr;
    const auto* role_name = o ? o->if_contains("role") : nullptr;
    const auto* days = o ? o->if_contains("expires_in_days") : nullptr;
    const auto role = role_name && role_name->is_string() ? ParseConsoleRole(role_name->as_string()) : std::nullopt;
    if (!name || !name->is_string() || !role ||
        (days && (!days->is_int64() || days->as_int64() < 1 || days->as_int64() > 3650))) {
      return http::JsonError(req, bhttp::status::bad_request,
                             "the body must be {\"name\": ..., \"role\": viewer|operator|admin, "
                             "\"expires_in_days\": 1-3650 (optional)}");
    }
    const int64_t expires = days ? NowUnixMs() + days->as_int64() * 86'400'000 : 0;
    const ConsoleRole chosen = role.value_or(ConsoleUser::ROLE_UNSPECIFIED);
    ferry::v1::ApiToken made;
    auto token = api_tokens.Create(std::string(name->as_string()), chosen, expires, user, &made);
    entry.set_action("token.create");
    entry.set_target(std::string(name->as_string()));
    entry.set_after(token.ok() ? "token " + made.id() + " as " + ConsoleRoleName(chosen) : "");
    entry.set_outcome(token.ok() ? "ok" : token.status().message());
    audit.Record(entry);
    if (!token.ok()) {
      return http::JsonError(req,
                             token.status().code() == StatusCode::kInvalidArgument
                                 ? bhttp::status::bad_request
                                 : bhttp::status::internal_server_error,
                             token.status().message());
    }
    return http::JsonResponse(req, bhttp::status::created,
                              boost::json::object{{"id", made.id()}, {"name", made.name()}, {"token", *token}});
  }
  constexpr std::string_view kPrefix = "/api/v1/tokens/";
  if (target.starts_with(kPrefix) && req.method() == bhttp::verb::delete_) {
    const std::string id(target.substr(kPrefix.size()));
    Status s = id.size() == 16 && id.find_first_not_of("0123456789abcdef") == std::string::npos
                   ? api_tokens.Revoke(id)
                   : Status::NotFound("no API token " + id);
    entry.set_action("token.revoke");
    entry.set_target(id);
    entry.set_outcome(s.ok() ? "ok" : s.message());
    audit.Record(entry);
    if (!s.ok()) {
      return http::JsonError(
          req, s.code() == StatusCode::kNotFound ? bhttp::status::not_found : bhttp::status::internal_server_error,
          s.message());
    }
    http::Response res{bhttp::status::no_content, req.version()};
    res.prepare_payload();
    return res;
  }
  return http::JsonError(req, bhttp::status::not_found, "no such endpoint");
}

}  // namespace ferry::controlplane
