// Child processes for the crash test: run a `creditline` subcommand to completion, or run
// `creditline serve` in the background with its output in a log file, find the port it listens
// on, and end it with SIGTERM (a clean stop) or SIGKILL (the crash).
//
// Owned by the test's main thread; not thread-safe. A failure anywhere goes through Fail(),
// which kills a running server first so that no child outlives the test.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace crash {

using Clock = std::chrono::steady_clock;
using Milliseconds = std::chrono::milliseconds;

// How often a waiting loop looks again: short next to every timeout, long enough not to spin.
inline constexpr Milliseconds kPollInterval{10};
// Lines of a log shown in a failure message: enough to see the error, not the whole history.
inline constexpr int kLogTailLines = 15;

// What a failure message points at, so that the reader can go and look.
struct FailureContext {
  std::string round;      // "round N: " while a round runs; starts every failure message.
  pid_t server_pid = 0;   // 0 when no server runs.
  pid_t standby_pid = 0;  // The second server of a standby pair; 0 when none runs.
  std::string work_dir;
  std::string server_log;
};

inline FailureContext& Context() {
  static FailureContext context;
  return context;
}

// Reports a failure, kills the server if one runs, and ends the test with exit code 1.
[[noreturn]] inline void Fail(const std::string& message) {
  FailureContext& context = Context();
  for (pid_t pid : {context.server_pid, context.standby_pid}) {
    if (pid <= 0) continue;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  std::fflush(stdout);  // _Exit does not flush, and the progress so far belongs before this.
  std::fprintf(stderr, "crash_test: FAIL: %s%s\n", context.round.c_str(), message.c_str());
  if (!context.work_dir.empty()) {
    std::fprintf(stderr, "crash_test: work dir kept for inspection: %s\n",
                 context.work_dir.c_str());
  }
  if (!context.server_log.empty()) {
    std::fprintf(stderr, "crash_test: last server log: %s\n", context.server_log.c_str());
  }
  std::fflush(stderr);
  std::_Exit(1);
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The last `lines` lines of `text`, each indented, for a failure message.
inline std::string Tail(const std::string& text, int lines = kLogTailLines) {
  size_t start = text.size();
  int seen = 0;
  while (start > 0 && seen <= lines) {
    --start;
    if (text[start] == '\n' && start + 1 < text.size()) ++seen;
  }
  if (seen > lines) ++start;
  std::string out;
  std::istringstream in(text.substr(start));
  for (std::string line; std::getline(in, line);) out += "\n    | " + line;
  return out;
}

inline std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "ended with wait status " + std::to_string(status);
}

// Starts `argv` (argv[0] is a path) with stdin from /dev/null and stdout and stderr appended to
// `log_path`. Only async-signal-safe calls run between fork and exec, since client threads may
// exist in the parent.
inline pid_t Spawn(const std::vector<std::string>& argv, const std::string& log_path) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) Fail("fork failed");
  if (pid > 0) return pid;
  int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log < 0 || null < 0) ::_exit(126);
  ::dup2(null, 0);
  ::dup2(log, 1);
  ::dup2(log, 2);
  ::execv(args[0], args.data());
  static const char kExecFailed[] = "crash_test: exec failed\n";
  ssize_t ignored = ::write(2, kExecFailed, sizeof(kExecFailed) - 1);
  (void)ignored;
  ::_exit(127);
}

// Waits for `pid` to end; nullopt when it is still running after `timeout`.
inline std::optional<int> WaitFor(pid_t pid, Milliseconds timeout) {
  Clock::time_point deadline = Clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return status;
    if (done < 0) Fail("waitpid(" + std::to_string(pid) + ") failed");
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(kPollInterval);
  }
}

struct Finished {
  int status = 0;  // As from waitpid.
  std::string output;
};

// Runs `argv` to its end with its output in `log_path`; a run past `timeout` is killed and is a
// failure.
inline Finished RunToCompletion(const std::vector<std::string>& argv, const std::string& log_path,
                                Milliseconds timeout) {
  pid_t pid = Spawn(argv, log_path);
  std::optional<int> status = WaitFor(pid, timeout);
  if (!status) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    Fail("`" + argv[0] + " " + argv[1] + "` did not finish in " + std::to_string(timeout.count()) +
         " ms; its output:" + Tail(ReadFile(log_path)));
  }
  return Finished{*status, ReadFile(log_path)};
}

// The port in serve's line "... (port N) ...", or 0 when it has not printed it yet.
inline uint16_t ParsePort(const std::string& log) {
  static const std::string kMarker = "(port ";
  size_t at = log.find(kMarker);
  if (at == std::string::npos) return 0;
  size_t end = log.find(')', at);
  if (end == std::string::npos) return 0;
  std::string digits = log.substr(at + kMarker.size(), end - at - kMarker.size());
  if (digits.empty() || digits.size() > 5) return 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return 0;
  }
  int port = std::stoi(digits);
  return port > 0 && port < 65536 ? static_cast<uint16_t>(port) : 0;
}

// One run of `creditline serve` in the background. `slot` is where the failure context keeps
// its pid, so that a failure kills it.
class ServerProcess {
 public:
  explicit ServerProcess(pid_t FailureContext::*slot = &FailureContext::server_pid) : slot_(slot) {}

  // After a standby took over: the two processes trade places (each slot keeps its role).
  friend void TradePlaces(ServerProcess& a, ServerProcess& b) {
    std::swap(a.pid_, b.pid_);
    Context().*a.slot_ = a.pid_;
    Context().*b.slot_ = b.pid_;
  }

  // Starts serve and waits until it prints its port; a serve that exits first, or that takes
  // longer than `timeout` (recovery included), is a failure.
  uint16_t Start(const std::vector<std::string>& argv, const std::string& log_path,
                 Milliseconds timeout) {
    pid_ = Spawn(argv, log_path);
    Context().*slot_ = pid_;
    Context().server_log = log_path;
    Clock::time_point deadline = Clock::now() + timeout;
    while (true) {
      if (uint16_t port = ParsePort(ReadFile(log_path)); port != 0) return port;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = Context().*slot_ = 0;
        Fail("`creditline serve` " + DescribeWaitStatus(status) +
             " before it listened; its log:" + Tail(ReadFile(log_path)));
      }
      if (Clock::now() >= deadline) {
        Fail("`creditline serve` printed no '(port N)' line within " +
             std::to_string(timeout.count()) + " ms; its log:" + Tail(ReadFile(log_path)));
      }
      std::this_thread::sleep_for(kPollInterval);
    }
  }

  // The crash: SIGKILL, then reap the process.
  void Kill() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = Context().*slot_ = 0;
  }

  // A clean stop: SIGTERM, and the process must exit 0 within `timeout`.
  void Stop(Milliseconds timeout) {
    ::kill(pid_, SIGTERM);
    std::optional<int> status = WaitFor(pid_, timeout);
    if (!status) {
      Fail("`creditline serve` did not stop within " + std::to_string(timeout.count()) +
           " ms of SIGTERM; its log:" + Tail(ReadFile(Context().server_log)));
    }
    pid_ = Context().*slot_ = 0;
    if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
      Fail("`creditline serve` " + DescribeWaitStatus(*status) +
           " after SIGTERM (a clean stop must exit 0); its log:" +
           Tail(ReadFile(Context().server_log)));
    }
  }

  // True while the process has not exited (it is reaped if it has).
  bool Running() {
    if (pid_ == 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == 0) return true;
    pid_ = Context().*slot_ = 0;
    return false;
  }

  pid_t pid() const { return pid_; }

 private:
  pid_t FailureContext::*slot_;
  pid_t pid_ = 0;
};

}  // namespace crash
