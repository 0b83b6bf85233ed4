#pragma once
// Running a command line from a test (/bin/sh), for the Debian tools tests
// drive real endpoints with: curl, promtool, the products' own CLIs.

#include <string>

namespace ferry::testing {

struct ShellRun {
  int exit_code = -1;  // -1: it could not be started; 128 + N: killed by signal N
  std::string out;     // its standard output (add 2>&1 to the command for both)
};

ShellRun RunShell(const std::string& command);

struct CurlAnswer {
  int status = 0;  // 0: no HTTP answer (refused, TLS failed, timed out)
  std::string body;
};

// Debian's curl, silent, with `args`: the options and the URL, quoted for
// the shell by the caller. The answer's status and body.
CurlAnswer Curl(const std::string& args);

}  // namespace ferry::testing
