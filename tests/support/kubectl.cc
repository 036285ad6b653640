#include "tests/support/kubectl.h"

#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace prescale::testsupport {

std::string FindKubectl() {
  if (const char* env = std::getenv("PRESCALE_KUBECTL"); env != nullptr && *env != '\0') {
    return env;
  }
  if (access("/usr/bin/kubectl", X_OK) == 0) return "/usr/bin/kubectl";
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "";
  size_t start = 0;
  while (start < dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/kubectl";
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

KubectlResult RunKubectl(const KubectlOptions& options, const std::vector<std::string>& args) {
  const KubeconfigOptions& k = options.kubeconfig;
  if (k.token.empty() && k.token_file.empty() && k.client_certificate.empty() &&
      k.client_certificate_data.empty()) {
    throw std::invalid_argument("RunKubectl needs a client certificate or a token");
  }
  TempDir dir("prescale-kubectl");
  std::filesystem::path kubeconfig = dir.File("kubeconfig.yaml");
  WriteKubeconfig(kubeconfig, options.kubeconfig);
  std::filesystem::create_directory(dir.File("cache"));
  std::filesystem::create_directory(dir.File("home"));

  ProcessOptions process_options;
  process_options.argv.push_back(options.kubectl.empty() ? FindKubectl() : options.kubectl);
  if (process_options.argv[0].empty()) throw std::runtime_error("kubectl not found");
  process_options.argv.insert(process_options.argv.end(), args.begin(), args.end());
  for (std::string flag :
       {"--kubeconfig=" + kubeconfig.string(), "--cache-dir=" + dir.File("cache").string(),
        "--request-timeout=" + std::to_string(options.timeout.count()) + "s"}) {
    process_options.argv.push_back(std::move(flag));
  }
  process_options.env = {{"HOME", dir.File("home").string()},
                         {"KUBECONFIG", kubeconfig.string()},
                         {"NO_PROXY", "127.0.0.1,localhost"}};
  process_options.unset_env = {"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"};
  process_options.log_dir = dir.path();

  Process process = Process::Start(process_options);
  KubectlResult result;
  if (auto code = process.Wait(options.timeout + std::chrono::seconds(10))) {
    result.exit_code = *code;
  } else {
    result.timed_out = true;
    result.exit_code = process.Terminate(std::chrono::seconds(1));
  }
  result.stdout_text = process.ReadStdout();
  result.stderr_text = process.ReadStderr();
  return result;
}

KubectlResult KubectlGetRaw(const KubectlOptions& options, const std::string& path) {
  return RunKubectl(options, {"get", "--raw", path});
}

}  // namespace prescale::testsupport
