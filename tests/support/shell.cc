#include "tests/support/shell.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>

namespace ferry::testing {

ShellRun RunShell(const std::string& command) {
  ShellRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buf;
  for (size_t n; (n = fread(buf.data(), 1, buf.size(), pipe)) > 0;) run.out.append(buf.data(), n);
  const int status = pclose(pipe);
  // Killed by a signal: 128 + its number, as the shell reports it.
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return run;
}

CurlAnswer Curl(const std::string& args) {
  // The status goes last, on a line of its own, after whatever body came.
  const ShellRun run = RunShell("curl -s -o - -w '\\n%{http_code}' " + args + " 2>/dev/null");
  CurlAnswer answer;
  const size_t nl = run.out.rfind('\n');
  if (nl == std::string::npos) return answer;
  answer.status = std::atoi(run.out.c_str() + nl + 1);
  answer.body = run.out.substr(0, nl);
  return answer;
}

}  // namespace ferry::testing
