// A stand-in for the kube-apiserver's delegation endpoints, for prescale's integration tests:
// TokenReview, SubjectAccessReview and the extension-apiserver-authentication ConfigMap.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/https_client.h"
#include "tests/support/kubeconfig.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"
#include "tests/support/tls_http_server.h"

namespace prescale::testsupport {

// status.user of a TokenReview.
struct UserInfo {
  std::string username{};
  std::string uid{};
  std::vector<std::string> groups{};
  std::map<std::string, std::vector<std::string>> extra{};
};

// status of a SubjectAccessReview.
struct SarDecision {
  bool allowed = false;
  bool denied = false;  // explicit deny (only meaningful when !allowed)
  std::string reason{};
  std::string evaluation_error{};  // status.evaluationError, omitted when empty
};

// Data of ConfigMap kube-system/extension-apiserver-authentication, each list written as a JSON
// array string. As kube-apiserver does: an empty PEM field omits its key; the requestheader-*
// lists are written only with a request-header CA (allowed names as "[]" when empty), and
// requestheader-uid-headers only when non-empty.
struct AuthenticationConfigMap {
  std::string client_ca_pem{};                // client-ca-file
  std::string requestheader_client_ca_pem{};  // requestheader-client-ca-file
  std::vector<std::string> requestheader_allowed_names{};
  std::vector<std::string> requestheader_username_headers{"X-Remote-User"};
  std::vector<std::string> requestheader_group_headers{"X-Remote-Group"};
  std::vector<std::string> requestheader_extra_headers_prefix{"X-Remote-Extra-"};
  std::vector<std::string> requestheader_uid_headers{};
};

enum class FakeEndpoint { kTokenReview, kSubjectAccessReview, kAuthConfigMap, kVersion, kOther };

// Who called the fake, as the fake authenticated them.
struct CallerIdentity {
  enum class Kind { kNone, kClientCert, kToken };
  Kind kind = Kind::kNone;
  std::string name{};                 // certificate CN, or the token
  std::vector<std::string> groups{};  // certificate O entries
};

struct RecordedRequest {
  FakeEndpoint endpoint = FakeEndpoint::kOther;
  std::string method{};
  std::string target{};
  HeaderList headers{};
  nlohmann::json body{};  // null when the body is empty or not JSON
  CallerIdentity caller{};
  int status = 0;  // what the fake answered
};

// Serves HTTPS on 127.0.0.1 (ephemeral port, own thread) from construction to destruction, with a
// serving certificate (SANs 127.0.0.1, localhost) from its own CA in its own TempDir.
//
// Callers must authenticate with a client certificate chaining to ca() or to
// Options::extra_client_ca_file (any CN), or with
// `Bearer <caller_token()>`; anyone else gets 401 with a Status body. Routes:
//   POST /apis/authentication.k8s.io/v1/tokenreviews         -> 201 TokenReview (token table)
//   POST /apis/authorization.k8s.io/v1/subjectaccessreviews  -> 201 SubjectAccessReview
//   GET  /api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication
//                                                  -> 200 ConfigMap if set, else 404 Status
//   GET  /version                                  -> 200 version info
//   anything else                                  -> 404 Status
// Malformed JSON bodies get 400. Every request (including rejected ones) is recorded. All
// methods are thread-safe; callbacks run on the server thread and must not call back into the
// fake.
class FakeKubeApiserver {
 public:
  static constexpr const char* kTokenReviewPath = "/apis/authentication.k8s.io/v1/tokenreviews";
  static constexpr const char* kSubjectAccessReviewPath =
      "/apis/authorization.k8s.io/v1/subjectaccessreviews";
  static constexpr const char* kAuthConfigMapPath =
      "/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication";

  struct Options {
    std::string caller_token = "fake-apiserver-caller-token";
    // CN and O of the client certificate issued for callers (caller_cert()).
    std::string caller_user = "system:serviceaccount:prescale:prescale";
    std::vector<std::string> caller_groups{"system:serviceaccounts"};
    // PEM file of another CA whose client certificates are accepted too (besides ca()).
    std::string extra_client_ca_file{};
  };

  FakeKubeApiserver();
  explicit FakeKubeApiserver(Options options);
  ~FakeKubeApiserver();
  FakeKubeApiserver(const FakeKubeApiserver&) = delete;
  FakeKubeApiserver& operator=(const FakeKubeApiserver&) = delete;

  int port() const;
  std::string url() const;  // https://127.0.0.1:<port>
  const std::filesystem::path& dir() const { return dir_.path(); }
  TestCa& ca() { return *ca_; }  // signs the serving cert; issue more client certs from it
  const std::filesystem::path& ca_file() const { return ca_->cert_file(); }
  const IssuedCert& caller_cert() const { return caller_cert_; }
  const std::string& caller_token() const { return options_.caller_token; }

  // Kubeconfigs for prescale's --authentication-kubeconfig / --authorization-kubeconfig, written
  // into dir() at construction: one with caller_cert(), one with caller_token().
  const std::filesystem::path& kubeconfig_client_cert() const { return kubeconfig_cert_; }
  const std::filesystem::path& kubeconfig_token() const { return kubeconfig_token_; }
  // server + certificate-authority filled in; add the user credentials and WriteKubeconfig it.
  KubeconfigOptions BaseKubeconfig() const;

  // TokenReview: a known token authenticates as `user`; unknown ones get authenticated:false.
  void SetToken(const std::string& token, UserInfo user);
  void RemoveToken(const std::string& token);

  // SubjectAccessReview: called with the request's `spec`. Default: deny everything, with reason
  // "no authorizer configured".
  void SetAuthorizer(std::function<bool(const nlohmann::json& spec)> allow);
  void SetAuthorizerDecision(std::function<SarDecision(const nlohmann::json& spec)> decide);

  // The ConfigMap; nullopt (the default) makes its GET answer 404.
  void SetAuthConfigMap(std::optional<AuthenticationConfigMap> config_map);

  void SetDelay(std::chrono::milliseconds delay) { server_->SetDelay(delay); }
  // Down: refuses connections and drops open ones. Up: listens again on the same port.
  void SetDown(bool down) { server_->SetDown(down); }
  bool down() const { return server_->down(); }

  std::vector<RecordedRequest> Requests() const;
  std::vector<RecordedRequest> Requests(FakeEndpoint endpoint) const;
  int CallCount(FakeEndpoint endpoint) const;
  void ClearRequests();

 private:
  ServerResponse Handle(const ServerRequest& request);
  CallerIdentity Authenticate(const ServerRequest& request) const;
  ServerResponse Route(FakeEndpoint endpoint, const ServerRequest& request,
                       const nlohmann::json& body);
  ServerResponse TokenReview(const nlohmann::json& body);
  ServerResponse SubjectAccessReview(const nlohmann::json& body);
  ServerResponse ConfigMap();

  Options options_;
  TempDir dir_;
  std::unique_ptr<TestCa> ca_;
  IssuedCert serving_cert_;
  IssuedCert caller_cert_;
  std::filesystem::path kubeconfig_cert_;
  std::filesystem::path kubeconfig_token_;

  mutable std::mutex mu_;
  std::map<std::string, UserInfo> tokens_;
  std::function<SarDecision(const nlohmann::json&)> authorizer_;
  std::optional<AuthenticationConfigMap> config_map_;
  std::vector<RecordedRequest> requests_;

  std::unique_ptr<TlsHttpServer> server_;  // last: stops before the state above goes away
};

// A Kubernetes Status object (kind: Status, status: Failure) with the given code and reason.
nlohmann::json StatusJson(int code, const std::string& reason, const std::string& message);

}  // namespace prescale::testsupport
