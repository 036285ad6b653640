// Test certificates made on the fly with the OpenSSL 3 C API: a CA, server and client certs.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace prescale::testsupport {

enum class KeyType { kEcP256, kRsa2048 };

// What to put in a leaf certificate. Server certs always get the SANs IP 127.0.0.1 and DNS
// localhost in addition to the ones listed here.
struct CertOptions {
  std::string common_name{};
  std::vector<std::string> organizations{};  // one O= entry each: Kubernetes reads them as groups
  std::vector<std::string> dns_names{};
  std::vector<std::string> ip_addresses{};
  bool server_auth = false;  // extendedKeyUsage serverAuth
  bool client_auth = false;  // extendedKeyUsage clientAuth
  bool expired = false;      // valid from now-2d to now-1d
  std::chrono::hours validity{24};
  KeyType key_type = KeyType::kEcP256;
};

// A certificate and its private key, as PEM text and as files (0600 key) in the CA's directory.
struct IssuedCert {
  std::string cert_pem{};
  std::string key_pem{};
  std::filesystem::path cert_file{};
  std::filesystem::path key_file{};
};

// A self-signed CA (basicConstraints CA:TRUE) that issues leaf certificates. Construction writes
// <name>-ca.crt / <name>-ca.key into `dir` (which must exist and outlive the files' use). Throws
// std::runtime_error on any OpenSSL failure. Issue* calls are serialized internally, so one CA may
// be shared by threads; each issued cert gets a fresh key and a random serial.
class TestCa {
 public:
  TestCa(std::filesystem::path dir, std::string name = "test", KeyType key_type = KeyType::kEcP256);
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  const IssuedCert& ca() const { return ca_; }
  const std::string& cert_pem() const { return ca_.cert_pem; }
  const std::filesystem::path& cert_file() const { return ca_.cert_file; }

  // Writes <file_stem>.crt / <file_stem>.key into the CA's directory.
  IssuedCert Issue(std::string_view file_stem, const CertOptions& options);

  // serverAuth cert for CN `common_name`, SANs 127.0.0.1, localhost, plus `extra_dns` (a name that
  // parses as an IPv4/IPv6 address becomes an IP SAN instead).
  IssuedCert IssueServer(std::string_view file_stem, std::string common_name = "localhost",
                         std::vector<std::string> extra_names = {}, bool expired = false);

  // clientAuth cert: CN = user, one O per group (how kube-apiserver maps x509 users).
  IssuedCert IssueClient(std::string_view file_stem, std::string user,
                         std::vector<std::string> groups = {}, bool expired = false);

 private:
  struct State;
  std::unique_ptr<State> state_;
  std::filesystem::path dir_;
  IssuedCert ca_;
};

}  // namespace prescale::testsupport
