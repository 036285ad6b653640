#include "tests/support/kubeconfig.h"

#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <vector>

#include "tests/support/temp_dir.h"

namespace prescale::testsupport {

namespace {

void SetIfNotEmpty(YAML::Node node, const char* key, const std::string& value) {
  if (!value.empty()) node[key] = value;
}

}  // namespace

std::string Base64Encode(const std::string& data) {
  std::vector<unsigned char> out(4 * ((data.size() + 2) / 3) + 1);
  int n = EVP_EncodeBlock(out.data(), reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  return std::string(reinterpret_cast<const char*>(out.data()), static_cast<size_t>(n));
}

std::string RenderKubeconfig(const KubeconfigOptions& options) {
  YAML::Node cluster;
  cluster["server"] = options.server;
  SetIfNotEmpty(cluster, "certificate-authority", options.certificate_authority);
  if (!options.certificate_authority_data.empty()) {
    cluster["certificate-authority-data"] = Base64Encode(options.certificate_authority_data);
  }
  if (options.certificate_authority.empty() && options.certificate_authority_data.empty()) {
    cluster["insecure-skip-tls-verify"] = true;
  }
  SetIfNotEmpty(cluster, "tls-server-name", options.tls_server_name);

  YAML::Node user(YAML::NodeType::Map);
  SetIfNotEmpty(user, "client-certificate", options.client_certificate);
  SetIfNotEmpty(user, "client-key", options.client_key);
  if (!options.client_certificate_data.empty()) {
    user["client-certificate-data"] = Base64Encode(options.client_certificate_data);
  }
  if (!options.client_key_data.empty()) {
    user["client-key-data"] = Base64Encode(options.client_key_data);
  }
  SetIfNotEmpty(user, "token", options.token);
  SetIfNotEmpty(user, "tokenFile", options.token_file);

  YAML::Node root;
  root["apiVersion"] = "v1";
  root["kind"] = "Config";
  YAML::Node named_cluster;
  named_cluster["name"] = "test";
  named_cluster["cluster"] = cluster;
  root["clusters"].push_back(named_cluster);
  YAML::Node named_user;
  named_user["name"] = "test";
  named_user["user"] = user;
  root["users"].push_back(named_user);
  YAML::Node context;
  context["cluster"] = "test";
  context["user"] = "test";
  YAML::Node named_context;
  named_context["name"] = "test";
  named_context["context"] = context;
  root["contexts"].push_back(named_context);
  root["current-context"] = "test";
  root["preferences"] = YAML::Node(YAML::NodeType::Map);

  YAML::Emitter out;
  out << root;
  return std::string(out.c_str()) + "\n";
}

void WriteKubeconfig(const std::filesystem::path& file, const KubeconfigOptions& options) {
  WriteFileOrThrow(file, RenderKubeconfig(options));
  std::filesystem::permissions(
      file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

}  // namespace prescale::testsupport
