#include "tests/support/process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>
#include <thread>

#include "tests/support/https_client.h"

extern char** environ;

namespace prescale::testsupport {

namespace {

std::string FindInPath(const std::string& program) {
  if (program.find('/') != std::string::npos) return program;
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  throw std::runtime_error("program not found in PATH: " + program);
}

std::vector<std::string> BuildEnvironment(const ProcessOptions& options) {
  std::map<std::string, std::string> vars;
  if (!options.clear_env) {
    for (char** entry = environ; *entry != nullptr; ++entry) {
      std::string text = *entry;
      size_t eq = text.find('=');
      if (eq != std::string::npos) vars[text.substr(0, eq)] = text.substr(eq + 1);
    }
  }
  for (const std::string& name : options.unset_env) vars.erase(name);
  for (const auto& [name, value] : options.env) vars[name] = value;
  std::vector<std::string> env;
  for (const auto& [name, value] : vars) env.push_back(name + "=" + value);
  return env;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return -1;
}

// Runs in the child between fork and exec: async-signal-safe calls only.
[[noreturn]] void ExecChild(const char* program, char** argv, char** envp, const char* out,
                            const char* err, const char* cwd, int error_pipe) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  setpgid(0, 0);
  int in_fd = open("/dev/null", O_RDONLY);
  int out_fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int err_fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (in_fd < 0 || out_fd < 0 || err_fd < 0 || dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 ||
      dup2(err_fd, 2) < 0 || (cwd != nullptr && chdir(cwd) != 0)) {
    int e = errno;
    (void)!write(error_pipe, &e, sizeof e);
    _exit(127);
  }
  // The test's own sockets (e.g. the fake kube-apiserver's listener) must not live on in the
  // child: a server that the test "stops" would still accept connections through the copy.
  if (error_pipe > 3) close_range(3, static_cast<unsigned>(error_pipe) - 1, 0);
  close_range(static_cast<unsigned>(error_pipe) + 1, ~0U, 0);
  execve(program, argv, envp);
  int e = errno;
  (void)!write(error_pipe, &e, sizeof e);
  _exit(127);
}

}  // namespace

Process Process::Start(ProcessOptions options) {
  if (options.argv.empty()) throw std::runtime_error("Process::Start: empty argv");
  Process process;
  std::filesystem::path log_dir = options.log_dir;
  if (log_dir.empty()) {
    process.own_logs_ = std::make_unique<TempDir>("prescale-proc");
    log_dir = process.own_logs_->path();
  }
  process.stdout_file_ = log_dir / "stdout.log";
  process.stderr_file_ = log_dir / "stderr.log";

  // Everything the child needs is prepared before fork: no allocation after it.
  std::string program = FindInPath(options.argv[0]);
  std::vector<std::string> argv = options.argv;
  std::vector<std::string> env = BuildEnvironment(options);
  std::vector<char*> argv_c = CStrings(argv);
  std::vector<char*> env_c = CStrings(env);
  std::string out = process.stdout_file_.string(), err = process.stderr_file_.string();
  std::string cwd = options.working_dir.string();

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  pid_t pid = fork();
  if (pid < 0) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    close(pipe_fds[0]);
    ExecChild(program.c_str(), argv_c.data(), env_c.data(), out.c_str(), err.c_str(),
              cwd.empty() ? nullptr : cwd.c_str(), pipe_fds[1]);
  }
  close(pipe_fds[1]);
  setpgid(pid, pid);  // also in the parent, so the group exists before we ever signal it
  process.pid_ = pid;
  int child_errno = 0;
  ssize_t n;
  do {
    n = read(pipe_fds[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  close(pipe_fds[0]);
  if (n > 0) {
    process.Wait();
    throw std::runtime_error("exec " + program + ": " + std::strerror(child_errno));
  }
  return process;
}

Process::Process(Process&& other) noexcept { *this = std::move(other); }

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    Reset();
    pid_ = std::exchange(other.pid_, -1);
    exit_code_ = std::exchange(other.exit_code_, std::nullopt);
    own_logs_ = std::move(other.own_logs_);
    stdout_file_ = std::move(other.stdout_file_);
    stderr_file_ = std::move(other.stderr_file_);
  }
  return *this;
}

Process::~Process() { Reset(); }

void Process::Reset() noexcept {
  if (pid_ > 0) Terminate();
  pid_ = -1;
}

bool Process::Running() { return pid_ > 0 && !Wait(std::chrono::milliseconds(0)).has_value(); }

std::optional<int> Process::Wait(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  if (pid_ <= 0) return std::nullopt;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = DecodeStatus(status);
      return exit_code_;
    }
    if (r < 0 && errno != EINTR) {
      exit_code_ = -1;  // not our child any more (should not happen)
      return exit_code_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int Process::Wait() {
  while (true) {
    if (auto code = Wait(std::chrono::hours(1))) return *code;
  }
}

int Process::Terminate(std::chrono::milliseconds grace) {
  if (exit_code_) return *exit_code_;
  if (pid_ <= 0) return -1;
  kill(-pid_, SIGTERM);
  if (auto code = Wait(grace)) return *code;
  kill(-pid_, SIGKILL);
  return Wait();
}

void Process::Signal(int signal) {
  if (pid_ > 0 && !exit_code_) kill(pid_, signal);
}

int FreeTcpPort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    throw std::runtime_error(std::string("bind 127.0.0.1:0: ") + std::strerror(errno));
  }
  close(fd);
  return ntohs(addr.sin_port);
}

bool WaitUntil(const std::function<bool()>& ready, std::chrono::milliseconds timeout,
               std::chrono::milliseconds poll) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (ready()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(poll);
  }
}

bool WaitForHttpsReady(const HttpsClientOptions& client, const HttpsRequest& request,
                       std::chrono::milliseconds timeout, Process* process, int expected_status) {
  bool exited = false;
  bool ready = WaitUntil(
      [&] {
        if (process != nullptr && !process->Running()) {
          exited = true;
          return true;
        }
        HttpsResult result = HttpsSend(client, request);
        return result.response && result.response->status == expected_status;
      },
      timeout, std::chrono::milliseconds(100));
  return ready && !exited;
}

bool WaitForHttpsReady(int port, const std::string& path, std::chrono::milliseconds timeout,
                       Process* process, int expected_status) {
  HttpsClientOptions client;
  client.port = port;
  client.timeout = std::chrono::seconds(2);
  HttpsRequest request;
  request.target = path;
  return WaitForHttpsReady(client, request, timeout, process, expected_status);
}

}  // namespace prescale::testsupport
