// Runs the real kubectl against a test server, e.g. `kubectl get --raw /apis/...`.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "tests/support/kubeconfig.h"

namespace prescale::testsupport {

struct KubectlOptions {
  // Cluster and credentials for the kubeconfig the helper writes. With no CA, kubectl is told to
  // skip TLS verification. A client certificate or a token is required: without one, kubectl
  // prompts for a username on stdin (and fails with "error: EOF"), so RunKubectl refuses it.
  KubeconfigOptions kubeconfig{};
  // The kubectl binary; empty: FindKubectl().
  std::string kubectl{};
  // Passed as --request-timeout; the process is also killed after it plus 10 s.
  std::chrono::seconds timeout{20};
};

struct KubectlResult {
  int exit_code = -1;  // -N if killed by signal N
  bool timed_out = false;
  std::string stdout_text{};
  std::string stderr_text{};
};

// $PRESCALE_KUBECTL if set, else /usr/bin/kubectl if executable, else `kubectl` from $PATH; empty
// if none is found (tests should GTEST_SKIP then).
std::string FindKubectl();

// Runs `kubectl <args> --kubeconfig <written file> --cache-dir <tmp> --request-timeout <t>` with
// HOME and KUBECONFIG pointing into a TempDir, so the user's ~/.kube is never read or written.
// Only flags understood by kubectl 1.20 through 1.33 are added. Thread-safe (no shared state);
// throws std::invalid_argument without credentials, std::runtime_error if kubectl cannot start.
KubectlResult RunKubectl(const KubectlOptions& options, const std::vector<std::string>& args);

// RunKubectl with `get --raw <path>`.
KubectlResult KubectlGetRaw(const KubectlOptions& options, const std::string& path);

}  // namespace prescale::testsupport
