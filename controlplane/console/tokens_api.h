#pragma once
// API tokens in the console's API (admins; docs/api.md, "API tokens"):
//
//   GET    /api/v1/tokens      every token, never the secrets
//   POST   /api/v1/tokens      {"name", "role", "expires_in_days"}: the
//                              secret is in this answer only
//   DELETE /api/v1/tokens/ID   revokes it
//
// Each change goes to the audit log. The caller has checked that `user`
// is an admin.

#include <string>
#include <string_view>

#include "common/http/http_server.h"
#include "controlplane/console/api_tokens.h"
#include "controlplane/console/audit_log.h"

namespace ferry::controlplane {

http::Response ManageTokens(const http::Request& req, std::string_view target, const std::string& user,
                            const std::string& client, ApiTokens& api_tokens, const AuditLog& audit);

}  // namespace ferry::controlplane
