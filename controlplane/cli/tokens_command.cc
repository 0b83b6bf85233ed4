#include "controlplane/cli/tokens_command.h"

#include <boost/json.hpp>

#include <cstdio>
#include <iostream>

#include "common/config/config_node.h"
#include "common/util/clock.h"
#include "controlplane/cli/flows_cli_support.h"
#include "controlplane/console/api_tokens.h"
#include "controlplane/console/console_users.h"

namespace ferry::controlplane {
namespace {

constexpr int kExitUnknownToken = 3;

}  // namespace

int TokensAdd(const TokensCommandOptions& options) {
  auto role = ParseConsoleRole(options.role);
  if (!role) return CommandFailed(kFlowsExitInput, "--role: viewer, operator or admin");
  int64_t expires = 0;
  if (!options.expires.empty()) {
    std::chrono::milliseconds valid_for{};
    if (!config::ParseDuration(options.expires, valid_for) || valid_for < std::chrono::minutes(1)) {
      return CommandFailed(kFlowsExitInput,
                           "--expires: expected a duration of at least 1m such as 30d, got '" + options.expires + "'");
    }
    expires = NowUnixMs() + valid_for.count();
  }
  OpenedRegistry opened;
  if (int rc = OpenRegistry(options.config_path, /*read_only=*/false, opened)) return rc;
  auto token = ApiTokens(*opened.store).Create(options.name, *role, expires, "cli");
  if (!token.ok()) {
    return CommandFailed(token.status().code() == StatusCode::kInvalidArgument ? kFlowsExitInput : kFlowsExitFailure,
                         token.status().message());
  }
  std::cout << *token << "\n";
  std::cerr << "ferry-controlplane: token " << options.name << " (" << ConsoleRoleName(*role)
            << ") made; it is shown only now\n";
  return kFlowsExitOk;
}

int TokensList(const TokensCommandOptions& options) {
  OpenedRegistry opened;
  if (int rc = OpenRegistry(options.config_path, /*read_only=*/true, opened)) return rc;
  auto tokens = ApiTokens(*opened.store).List();
  if (!tokens.ok()) return CommandFailed(kFlowsExitFailure, tokens.status().message());
  boost::json::array rows;
  if (!options.json) std::printf("%-16s %-24s %-9s %-25s %s\n", "ID", "NAME", "ROLE", "CREATED", "EXPIRES");
  for (const auto& t : *tokens) {
    if (options.json) {
      rows.push_back(boost::json::object{{"id", t.id()},
                                         {"name", t.name()},
                                         {"role", ConsoleRoleName(t.role())},
                                         {"created", TimeOrNull(t.created_unix_ms())},
                                         {"expires", TimeOrNull(t.expires_unix_ms())},
                                         {"created_by", t.created_by()}});
    } else {
      std::printf("%-16s %-24s %-9s %-25s %s\n", t.id().c_str(), t.name().c_str(), ConsoleRoleName(t.role()),
                  TimeOrDash(t.created_unix_ms()).c_str(), TimeOrDash(t.expires_unix_ms()).c_str());
    }
  }
  if (options.json) std::cout << boost::json::serialize(rows) << "\n";
  return kFlowsExitOk;
}

int TokensRemove(const TokensCommandOptions& options) {
  OpenedRegistry opened;
  if (int rc = OpenRegistry(options.config_path, /*read_only=*/false, opened)) return rc;
  if (Status s = ApiTokens(*opened.store).Revoke(options.name); !s.ok()) {
    return CommandFailed(s.code() == StatusCode::kNotFound ? kExitUnknownToken : kFlowsExitFailure, s.message());
  }
  std::cout << "token " << options.name << " revoked\n";
  return kFlowsExitOk;
}

}  // namespace ferry::controlplane
