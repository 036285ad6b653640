// Writes kubeconfig files (the YAML that kubectl and Kubernetes clients read).
#pragma once

#include <filesystem>
#include <string>

namespace prescale::testsupport {

// One cluster, one user, one context named "test", made current. Paths are written as given
// (use absolute ones); *_data fields are PEM text, base64-encoded into the *-data keys. A field
// left empty is omitted. With neither certificate_authority nor certificate_authority_data,
// insecure-skip-tls-verify: true is written.
struct KubeconfigOptions {
  std::string server{};  // e.g. https://127.0.0.1:6443
  std::string certificate_authority{};
  std::string certificate_authority_data{};
  std::string tls_server_name{};
  std::string client_certificate{};
  std::string client_key{};
  std::string client_certificate_data{};
  std::string client_key_data{};
  std::string token{};
  std::string token_file{};  // written as tokenFile
};

// The YAML text. Pure; thread-safe.
std::string RenderKubeconfig(const KubeconfigOptions& options);

// Writes RenderKubeconfig(options) to `file` (mode 0600); throws std::runtime_error on failure.
void WriteKubeconfig(const std::filesystem::path& file, const KubeconfigOptions& options);

// Standard base64 (with padding), as Kubernetes encodes []byte in YAML/JSON.
std::string Base64Encode(const std::string& data);

}  // namespace prescale::testsupport
