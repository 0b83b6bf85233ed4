#include "tests/support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace ferry::testing {
namespace {

// Resolves a bare program name against $PATH in the parent, because the child
// may only make async-signal-safe calls after fork.
std::string ResolveProgram(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path_env = std::getenv("PATH");
  std::string path = path_env != nullptr ? path_env : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return name;  // exec will fail and the child reports it in the log
}

std::vector<std::string> MergeEnvironment(const std::vector<std::string>& extra) {
  auto name_of = [](const std::string& entry) { return entry.substr(0, entry.find('=')); };
  std::vector<std::string> merged;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry = *e;
    bool overridden =
        std::any_of(extra.begin(), extra.end(), [&](const std::string& x) { return name_of(x) == name_of(entry); });
    if (!overridden) merged.push_back(std::move(entry));
  }
  merged.insert(merged.end(), extra.begin(), extra.end());
  return merged;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

void WriteAll(int fd, const char* text) {
  size_t left = std::strlen(text);
  while (left > 0) {
    ssize_t n = ::write(fd, text, left);
    if (n <= 0) return;
    text += n;
    left -= static_cast<size_t>(n);
  }
}

// Runs in the forked child: only async-signal-safe calls from here on.
[[noreturn]] void ExecChild(pid_t parent, int stdin_fd, int log_fd, const char* program, char** argv, char** envp,
                            const char* exec_failure) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The parent may have died before prctl took effect.
  if (::getppid() != parent) ::_exit(127);

  ::dup2(stdin_fd, STDIN_FILENO);
  ::dup2(log_fd, STDOUT_FILENO);
  ::dup2(log_fd, STDERR_FILENO);
  // Asio does not mark its sockets close-on-exec: without this a child would
  // inherit, say, the webhook sink's listening socket and keep the port open
  // after the sink is gone.
  if (::syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
    long max_fd = ::sysconf(_SC_OPEN_MAX);
    if (max_fd < 0 || max_fd > 65536) max_fd = 65536;
    for (int fd = 3; fd < max_fd; ++fd) ::close(fd);
  }

  // Signal dispositions and the mask survive exec; start the program the way
  // a shell or systemd would.
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &default_action, nullptr);
  sigset_t empty;
  ::sigemptyset(&empty);
  ::sigprocmask(SIG_SETMASK, &empty, nullptr);

  ::execve(program, argv, envp);
  const int error = errno;
  WriteAll(STDERR_FILENO, exec_failure);
  WriteAll(STDERR_FILENO, ::strerrordesc_np(error));
  WriteAll(STDERR_FILENO, "\n");
  ::_exit(127);
}

int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

Process Process::Start(std::vector<std::string> argv, const std::filesystem::path& log_file,
                       std::vector<std::string> extra_env) {
  if (argv.empty()) throw std::invalid_argument("Process::Start: empty argv");
  // Everything the child needs is prepared before fork.
  const std::string program = ResolveProgram(argv[0]);
  const std::string exec_failure = "ferry-test: cannot exec " + program + ": ";
  std::vector<std::string> env = MergeEnvironment(extra_env);
  std::vector<char*> c_argv = CStrings(argv);
  std::vector<char*> c_env = CStrings(env);

  int log_fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    throw std::runtime_error("cannot open log " + log_file.string() + ": " + std::strerror(errno));
  }
  int stdin_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (stdin_fd < 0) {
    ::close(log_fd);
    throw std::runtime_error(std::string("cannot open /dev/null: ") + std::strerror(errno));
  }

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ExecChild(parent, stdin_fd, log_fd, program.c_str(), c_argv.data(), c_env.data(), exec_failure.c_str());
  }
  const int fork_error = errno;
  ::close(log_fd);
  ::close(stdin_fd);
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(fork_error));
  // Also set the group from the parent so a signal sent right after Start
  // reaches the group even if the child has not run yet.
  ::setpgid(pid, pid);
  return Process(pid, log_file);
}

Process::~Process() { KillAndReap(); }

Process::Process(Process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      exit_code_(std::exchange(other.exit_code_, std::nullopt)),
      log_file_(std::move(other.log_file_)) {}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    KillAndReap();
    pid_ = std::exchange(other.pid_, -1);
    exit_code_ = std::exchange(other.exit_code_, std::nullopt);
    log_file_ = std::move(other.log_file_);
  }
  return *this;
}

bool Process::Running() {
  if (pid_ <= 0 || exit_code_.has_value()) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  while (r < 0 && errno == EINTR) r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  // r < 0 (ECHILD) means someone else reaped it; the code is then unknown.
  exit_code_ = r == pid_ ? DecodeStatus(status) : -1;
  return false;
}

std::optional<int> Process::WaitExit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  while (Running()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(pause, deadline - now));
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
  return exit_code_;
}

void Process::Signal(int signal) {
  if (!Running()) return;
  // The group exists as long as the unreaped leader does, so this cannot hit
  // a recycled process group.
  if (::kill(-pid_, signal) != 0) ::kill(pid_, signal);
}

void Process::Kill9() {
  if (!Running()) return;
  Signal(SIGKILL);
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, 0);
  while (r < 0 && errno == EINTR) r = ::waitpid(pid_, &status, 0);
  exit_code_ = r == pid_ ? DecodeStatus(status) : -1;
}

int Process::Terminate(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return -1;
  Signal(SIGTERM);
  if (auto code = WaitExit(grace)) return *code;
  Kill9();
  return exit_code_.value_or(-1);
}

void Process::KillAndReap() noexcept {
  if (pid_ > 0) Kill9();
  pid_ = -1;
  exit_code_.reset();
}

}  // namespace ferry::testing
