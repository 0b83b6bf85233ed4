#include "controlplane/cli/users_command.h"

#include <termios.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "common/util/clock.h"
#include "controlplane/cli/flows_cli_support.h"
#include "controlplane/console/console_users.h"

namespace ferry::controlplane {
namespace {

int ExitFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
      return kFlowsExitInput;
    case StatusCode::kNotFound:
      return kUsersExitUnknownUser;
    case StatusCode::kAlreadyExists:
      return kUsersExitTaken;
    default:
      return kFlowsExitFailure;
  }
}

// One line from `in`, without its line end; false at its end.
bool ReadLine(std::istream& in, std::string& line) {
  if (!std::getline(in, line)) return false;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

// A line typed on the terminal without echo.
bool ReadHidden(const char* prompt, std::string& line) {
  std::cerr << prompt << std::flush;
  termios saved{};
  const bool tty = ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (tty) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  const bool ok = ReadLine(std::cin, line);
  if (tty) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  std::cerr << "\n";
  return ok;
}

// The new password, as the header comment says; empty with a message on
// failure.
bool ReadNewPassword(const UsersCommandOptions& options, std::string& password) {
  if (!options.password_file.empty() && options.password_file != "-") {
    std::ifstream file(options.password_file);
    if (!file || !ReadLine(file, password)) {
      std::cerr << "ferry-controlplane: --password-file: cannot read " << options.password_file << "\n";
      return false;
    }
    return true;
  }
  if (options.password_file.empty() && ::isatty(STDIN_FILENO)) {
    std::string again;
    if (!ReadHidden("password: ", password) || !ReadHidden("again: ", again)) return false;
    if (password != again) {
      std::cerr << "ferry-controlplane: the two passwords differ\n";
      return false;
    }
    return true;
  }
  if (!ReadLine(std::cin, password)) {
    std::cerr << "ferry-controlplane: no password on standard input\n";
    return false;
  }
  return true;
}

struct OpenedUsers {
  OpenedRegistry opened;
  std::unique_ptr<ConsoleUsers> users;
};

int OpenUsers(const std::string& config_path, bool read_only, OpenedUsers& out) {
  if (int rc = OpenRegistry(config_path, read_only, out.opened)) return rc;
  out.users = std::make_unique<ConsoleUsers>(*out.opened.store);
  return kFlowsExitOk;
}

}  // namespace

int UsersAdd(const UsersCommandOptions& options) {
  auto role = ParseConsoleRole(options.role);
  if (!role) return CommandFailed(kFlowsExitInput, "--role: viewer, operator or admin");
  std::string password;
  if (!ReadNewPassword(options, password)) return kFlowsExitInput;
  OpenedUsers opened;
  if (int rc = OpenUsers(options.config_path, /*read_only=*/false, opened)) return rc;
  if (Status s = opened.users->Add(options.name, *role, password); !s.ok())
    return CommandFailed(ExitFor(s), s.message());
  std::cout << "user " << options.name << " added as " << ConsoleRoleName(*role) << "\n";
  return kFlowsExitOk;
}

int UsersPasswd(const UsersCommandOptions& options) {
  std::string password;
  if (!ReadNewPassword(options, password)) return kFlowsExitInput;
  OpenedUsers opened;
  if (int rc = OpenUsers(options.config_path, /*read_only=*/false, opened)) return rc;
  if (Status s = opened.users->SetPassword(options.name, password); !s.ok())
    return CommandFailed(ExitFor(s), s.message());
  std::cout << "password of " << options.name << " changed\n";
  return kFlowsExitOk;
}

int UsersRole(const UsersCommandOptions& options) {
  auto role = ParseConsoleRole(options.role);
  if (!role) return CommandFailed(kFlowsExitInput, "--role: viewer, operator or admin");
  OpenedUsers opened;
  if (int rc = OpenUsers(options.config_path, /*read_only=*/false, opened)) return rc;
  if (Status s = opened.users->SetRole(options.name, *role); !s.ok()) return CommandFailed(ExitFor(s), s.message());
  std::cout << "user " << options.name << " is now " << ConsoleRoleName(*role) << "\n";
  return kFlowsExitOk;
}

int UsersRemove(const UsersCommandOptions& options) {
  OpenedUsers opened;
  if (int rc = OpenUsers(options.config_path, /*read_only=*/false, opened)) return rc;
  if (Status s = opened.users->Remove(options.name); !s.ok()) return CommandFailed(ExitFor(s), s.message());
  std::cout << "user " << options.name << " removed\n";
  return kFlowsExitOk;
}

int UsersList(const UsersCommandOptions& options) {
  OpenedUsers opened;
  if (int rc = OpenUsers(options.config_path, /*read_only=*/true, opened)) return rc;
  auto users = opened.users->List();
  if (!users.ok()) return CommandFailed(kFlowsExitFailure, users.status().message());
  boost::json::array rows;
  if (!options.json) std::printf("%-32s %-9s %-25s %s\n", "USER", "ROLE", "CREATED", "PASSWORD-CHANGED");
  for (const auto& user : *users) {
    if (options.json) {
      rows.push_back(boost::json::object{{"name", user.name()},
                                         {"role", ConsoleRoleName(user.role())},
                                         {"created", TimeOrNull(user.created_unix_ms())},
                                         {"password_changed", TimeOrNull(user.password_changed_unix_ms())}});
    } else {
      std::printf("%-32s %-9s %-25s %s\n", user.name().c_str(), ConsoleRoleName(user.role()),
                  TimeOrDash(user.created_unix_ms()).c_str(), TimeOrDash(user.password_changed_unix_ms()).c_str());
    }
  }
  if (options.json) std::cout << boost::json::serialize(rows) << "\n";
  return kFlowsExitOk;
}

}  // namespace ferry::controlplane
