#pragma once
// `ferry-controlplane users ...`: the console's local users
// (controlplane/console/console_users.h).
//
//   users add NAME --role viewer|operator|admin [--password-file F]
//   users passwd NAME [--password-file F]
//   users role NAME --role R
//   users rm NAME
//   users ls [--json]
//
// The password is read from --password-file (its first line; "-" is
// standard input) or, without it, from standard input: asked for twice
// without echo on a terminal, else its first line. It never appears on the
// command line. Exit codes: 0 done; 1 an operational failure; 2 bad input
// (config, name, role, password); 3 no such user; 4 the name is taken.

#include <string>

namespace ferry::controlplane {

struct UsersCommandOptions {
  std::string config_path;
  std::string name;
  std::string role;
  std::string password_file;
  bool json = false;
};

inline constexpr int kUsersExitUnknownUser = 3;
inline constexpr int kUsersExitTaken = 4;

int UsersAdd(const UsersCommandOptions& options);
int UsersPasswd(const UsersCommandOptions& options);
int UsersRole(const UsersCommandOptions& options);
int UsersRemove(const UsersCommandOptions& options);
int UsersList(const UsersCommandOptions& options);

}  // namespace ferry::controlplane
