#pragma once
// `ferry-controlplane tokens ...`: API tokens for scripts
// (controlplane/console/api_tokens.h).
//
//   tokens add NAME --role viewer|operator|admin [--expires 90d]
//   tokens ls [--json]
//   tokens rm ID
//
// `add` prints the token on standard output alone (it is shown only then).
// Exit codes: 0 done; 1 an operational failure; 2 bad input; 3 no such
// token.

#include <string>

namespace ferry::controlplane {

struct TokensCommandOptions {
  std::string config_path;
  std::string name;  // add: the token's name; rm: its id
  std::string role;
  std::string expires;  // a duration; empty: never
  bool json = false;
};

int TokensAdd(const TokensCommandOptions& options);
int TokensList(const TokensCommandOptions& options);
int TokensRemove(const TokensCommandOptions& options);

}  // namespace ferry::controlplane
