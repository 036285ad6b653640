// A child process for integration tests (e.g. `prescale serve`), killed when the test ends.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/https_client.h"
#include "tests/support/temp_dir.h"

namespace prescale::testsupport {

struct ProcessOptions {
  // argv[0] is the program: a path, or a name searched in $PATH.
  std::vector<std::string> argv{};
  // Set (or override) these variables; the rest of the environment is inherited unless
  // `clear_env`.
  std::vector<std::pair<std::string, std::string>> env{};
  std::vector<std::string> unset_env{};
  bool clear_env = false;
  // Where stdout.log / stderr.log go. Empty: a TempDir owned by the Process.
  std::filesystem::path log_dir{};
  std::filesystem::path working_dir{};  // empty: inherit
};

// Owns one child started with fork/exec: stdin is /dev/null, stdout and stderr go to files. The
// child is in its own process group and gets SIGKILL if the thread that started it dies
// (PR_SET_PDEATHSIG), so a crashed test does not leak servers. Destruction terminates it
// (SIGTERM to the group, SIGKILL after 3 s) and reaps it. Exit codes: the status for a normal
// exit, -N when killed by signal N. Movable, not copyable; use from one thread.
class Process {
 public:
  // Throws std::runtime_error if the program cannot be found or exec'd (the exec errno is
  // reported back to the parent through a close-on-exec pipe).
  static Process Start(ProcessOptions options);

  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process();

  pid_t pid() const { return pid_; }

  // True while the child has not exited (reaps it if it has).
  bool Running();

  // Exit code once the child has exited within `timeout`; nullopt otherwise (still running).
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  int Wait();  // blocks until exit

  // SIGTERM, then SIGKILL after `grace`; returns the exit code. Idempotent.
  int Terminate(std::chrono::milliseconds grace = std::chrono::seconds(3));

  // Sends `signal` (e.g. SIGHUP for a config reload) to the child only.
  void Signal(int signal);

  std::string ReadStdout() const { return ReadFileOrEmpty(stdout_file_); }
  std::string ReadStderr() const { return ReadFileOrEmpty(stderr_file_); }
  const std::filesystem::path& stdout_file() const { return stdout_file_; }
  const std::filesystem::path& stderr_file() const { return stderr_file_; }

 private:
  Process() = default;
  void Reset() noexcept;

  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::unique_ptr<TempDir> own_logs_;
  std::filesystem::path stdout_file_;
  std::filesystem::path stderr_file_;
};

// An unused TCP port on 127.0.0.1 (bind port 0, read it back, close). Another process may take it
// before the caller binds it; good enough for tests. Throws std::runtime_error on socket errors.
int FreeTcpPort();

// Polls `ready` every `poll` until it returns true (-> true) or `timeout` passes (-> false).
bool WaitUntil(const std::function<bool()>& ready, std::chrono::milliseconds timeout,
               std::chrono::milliseconds poll = std::chrono::milliseconds(50));

// Polls GET https://127.0.0.1:<port><path> (server certificate not verified) until it answers with
// `expected_status`; false on timeout, or early if `process` is given and exits meanwhile.
bool WaitForHttpsReady(int port, const std::string& path, std::chrono::milliseconds timeout,
                       Process* process = nullptr, int expected_status = 200);

// The same with full client settings (CA to verify with, client certificate, headers...).
bool WaitForHttpsReady(const HttpsClientOptions& client, const HttpsRequest& request,
                       std::chrono::milliseconds timeout, Process* process = nullptr,
                       int expected_status = 200);

}  // namespace prescale::testsupport
