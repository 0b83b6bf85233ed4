#pragma once
// A child process owned by a test: the real ferry-agent, ferry-controlplane or
// mosquitto. Ownership is strict so that no test ever leaves a process behind:
// the destructor kills and reaps, and the child is killed by the kernel if the
// test process itself dies (PR_SET_PDEATHSIG).
//
// Not thread-safe: one thread owns a Process. Start it from a thread that lives
// as long as the child should: PR_SET_PDEATHSIG fires when the *thread* that
// forked exits, not only when the whole test process does.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ferry::testing {

class Process {
 public:
  // Forks and execs argv[0] with argv. argv[0] is a path, or a bare name that
  // is looked up in $PATH. stdin is /dev/null; stdout and stderr are appended
  // to log_file (created if missing). The child inherits this environment plus
  // extra_env ("NAME=value", overriding an inherited NAME), runs in its own
  // process group, and gets default signal dispositions and an empty signal
  // mask. If exec fails the child writes the reason to log_file and exits 127.
  // Throws std::runtime_error if the log cannot be opened or fork fails.
  static Process Start(std::vector<std::string> argv, const std::filesystem::path& log_file,
                       std::vector<std::string> extra_env = {});

  Process() = default;  // owns nothing
  ~Process();           // SIGKILLs the process group and reaps a live child
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  const std::filesystem::path& log_file() const { return log_file_; }

  // True while the child has not exited. Reaps it (and records the exit code)
  // as soon as it has.
  bool Running();

  // Exit code once the child has been reaped: the status for a normal exit,
  // 128 + signal number when killed by a signal.
  std::optional<int> exit_code() const { return exit_code_; }

  // Waits up to `timeout` for the child to exit; returns its exit code, or
  // nullopt if it is still running.
  std::optional<int> WaitExit(std::chrono::milliseconds timeout);

  // Sends `signal` to the child's process group (e.g. SIGSTOP to freeze a
  // broker, SIGHUP to reload). No-op once the child has been reaped.
  void Signal(int signal);

  // SIGKILL to the process group, then reap. No-op if already exited.
  void Kill9();

  // SIGTERM to the process group, wait up to `grace`, then SIGKILL. Returns
  // the exit code (128 + 9 if it had to be killed).
  int Terminate(std::chrono::milliseconds grace = std::chrono::seconds(10));

 private:
  Process(pid_t pid, std::filesystem::path log_file) : pid_(pid), log_file_(std::move(log_file)) {}
  void KillAndReap() noexcept;

  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::filesystem::path log_file_;
};

}  // namespace ferry::testing
