#include "tests/support/fake_kube_apiserver.h"

#include <algorithm>
#include <stdexcept>

namespace prescale::testsupport {

namespace {

using nlohmann::json;

ServerResponse JsonResponse(int status, const json& body) {
  return ServerResponse{status, {{"Content-Type", "application/json"}}, body.dump()};
}

FakeEndpoint Classify(const std::string& method, const std::string& target) {
  std::string path = target.substr(0, target.find('?'));
  if (method == "POST" && path == FakeKubeApiserver::kTokenReviewPath) {
    return FakeEndpoint::kTokenReview;
  }
  if (method == "POST" && path == FakeKubeApiserver::kSubjectAccessReviewPath) {
    return FakeEndpoint::kSubjectAccessReview;
  }
  if (method == "GET" && path == FakeKubeApiserver::kAuthConfigMapPath) {
    return FakeEndpoint::kAuthConfigMap;
  }
  if (method == "GET" && path == "/version") return FakeEndpoint::kVersion;
  return FakeEndpoint::kOther;
}

std::string BearerToken(const ServerRequest& request) {
  std::string header = request.Header("Authorization");
  const std::string prefix = "Bearer ";
  if (header.size() <= prefix.size() ||
      !std::equal(prefix.begin(), prefix.end(), header.begin(),
                  [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
    return "";
  }
  return header.substr(prefix.size());
}

json UserJson(const UserInfo& user) {
  json out = {{"username", user.username}};
  if (!user.uid.empty()) out["uid"] = user.uid;
  if (!user.groups.empty()) out["groups"] = user.groups;
  if (!user.extra.empty()) out["extra"] = user.extra;
  return out;
}

std::string JsonArrayText(const std::vector<std::string>& values) { return json(values).dump(); }

}  // namespace

json StatusJson(int code, const std::string& reason, const std::string& message) {
  return {{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", json::object()},
          {"status", "Failure"}, {"message", message}, {"reason", reason},
          {"code", code}};
}

FakeKubeApiserver::FakeKubeApiserver() : FakeKubeApiserver(Options{}) {}

FakeKubeApiserver::FakeKubeApiserver(Options options)
    : options_(std::move(options)), dir_("prescale-fake-apiserver") {
  ca_ = std::make_unique<TestCa>(dir_.path(), "fake-apiserver");
  serving_cert_ =
      ca_->IssueServer("fake-apiserver-serving", "kube-apiserver", {"kubernetes.default.svc"});
  caller_cert_ =
      ca_->IssueClient("fake-apiserver-caller", options_.caller_user, options_.caller_groups);
  authorizer_ = [](const json&) { return SarDecision{false, false, "no authorizer configured"}; };

  TlsHttpServerOptions server_options;
  server_options.cert_file = serving_cert_.cert_file.string();
  server_options.key_file = serving_cert_.key_file.string();
  server_options.client_ca_file = ca_->cert_file().string();
  if (!options_.extra_client_ca_file.empty()) {
    std::string extra = ReadFileOrEmpty(options_.extra_client_ca_file);
    if (extra.empty()) throw std::runtime_error("cannot read " + options_.extra_client_ca_file);
    server_options.client_ca_file =
        dir_.WriteFile("client-ca-bundle.crt", ca_->cert_pem() + extra).string();
  }
  server_ = std::make_unique<TlsHttpServer>(
      server_options, [this](const ServerRequest& request) { return Handle(request); });

  KubeconfigOptions with_cert = BaseKubeconfig();
  with_cert.client_certificate = caller_cert_.cert_file.string();
  with_cert.client_key = caller_cert_.key_file.string();
  kubeconfig_cert_ = dir_.File("kubeconfig-client-cert.yaml");
  WriteKubeconfig(kubeconfig_cert_, with_cert);
  KubeconfigOptions with_token = BaseKubeconfig();
  with_token.token = options_.caller_token;
  kubeconfig_token_ = dir_.File("kubeconfig-token.yaml");
  WriteKubeconfig(kubeconfig_token_, with_token);
}

FakeKubeApiserver::~FakeKubeApiserver() { server_.reset(); }

int FakeKubeApiserver::port() const { return server_->port(); }

std::string FakeKubeApiserver::url() const { return "https://127.0.0.1:" + std::to_string(port()); }

KubeconfigOptions FakeKubeApiserver::BaseKubeconfig() const {
  KubeconfigOptions options;
  options.server = url();
  options.certificate_authority = ca_->cert_file().string();
  return options;
}

void FakeKubeApiserver::SetToken(const std::string& token, UserInfo user) {
  std::lock_guard lock(mu_);
  tokens_[token] = std::move(user);
}

void FakeKubeApiserver::RemoveToken(const std::string& token) {
  std::lock_guard lock(mu_);
  tokens_.erase(token);
}

void FakeKubeApiserver::SetAuthorizer(std::function<bool(const json& spec)> allow) {
  SetAuthorizerDecision([allow = std::move(allow)](const json& spec) {
    bool allowed = allow(spec);
    return SarDecision{allowed, false,
                       allowed ? "allowed by test authorizer" : "denied by test authorizer"};
  });
}

void FakeKubeApiserver::SetAuthorizerDecision(std::function<SarDecision(const json&)> decide) {
  std::lock_guard lock(mu_);
  authorizer_ = std::move(decide);
}

void FakeKubeApiserver::SetAuthConfigMap(std::optional<AuthenticationConfigMap> config_map) {
  std::lock_guard lock(mu_);
  config_map_ = std::move(config_map);
}

std::vector<RecordedRequest> FakeKubeApiserver::Requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

std::vector<RecordedRequest> FakeKubeApiserver::Requests(FakeEndpoint endpoint) const {
  std::lock_guard lock(mu_);
  std::vector<RecordedRequest> matching;
  for (const RecordedRequest& r : requests_) {
    if (r.endpoint == endpoint) matching.push_back(r);
  }
  return matching;
}

int FakeKubeApiserver::CallCount(FakeEndpoint endpoint) const {
  std::lock_guard lock(mu_);
  return static_cast<int>(std::count_if(requests_.begin(), requests_.end(),
                                        [&](const auto& r) { return r.endpoint == endpoint; }));
}

void FakeKubeApiserver::ClearRequests() {
  std::lock_guard lock(mu_);
  requests_.clear();
}

CallerIdentity FakeKubeApiserver::Authenticate(const ServerRequest& request) const {
  CallerIdentity caller;
  if (request.peer.present) {
    caller.kind = CallerIdentity::Kind::kClientCert;
    caller.name = request.peer.common_name;
    caller.groups = request.peer.organizations;
  } else if (std::string token = BearerToken(request);
             !token.empty() && token == options_.caller_token) {
    caller.kind = CallerIdentity::Kind::kToken;
    caller.name = token;
  }
  return caller;
}

ServerResponse FakeKubeApiserver::Handle(const ServerRequest& request) {
  RecordedRequest record;
  record.endpoint = Classify(request.method, request.target);
  record.method = request.method;
  record.target = request.target;
  record.headers = request.headers;
  record.caller = Authenticate(request);
  json body = request.body.empty() ? json() : json::parse(request.body, nullptr, false);
  record.body = body.is_discarded() ? json() : body;

  ServerResponse response;
  if (record.caller.kind == CallerIdentity::Kind::kNone) {
    response = JsonResponse(401, StatusJson(401, "Unauthorized", "Unauthorized"));
  } else if (body.is_discarded()) {
    response = JsonResponse(400, StatusJson(400, "BadRequest", "request body is not JSON"));
  } else {
    response = Route(record.endpoint, request, body);
  }
  record.status = response.status;
  std::lock_guard lock(mu_);
  requests_.push_back(std::move(record));
  return response;
}

ServerResponse FakeKubeApiserver::Route(FakeEndpoint endpoint, const ServerRequest& request,
                                        const json& body) {
  switch (endpoint) {
    case FakeEndpoint::kTokenReview:
      return TokenReview(body);
    case FakeEndpoint::kSubjectAccessReview:
      return SubjectAccessReview(body);
    case FakeEndpoint::kAuthConfigMap:
      return ConfigMap();
    case FakeEndpoint::kVersion:
      return JsonResponse(200, {{"major", "1"},
                                {"minor", "32"},
                                {"gitVersion", "v1.32.0"},
                                {"platform", "linux/amd64"}});
    case FakeEndpoint::kOther:
      break;
  }
  return JsonResponse(
      404, StatusJson(404, "NotFound", "the server could not find the requested resource"));
}

ServerResponse FakeKubeApiserver::TokenReview(const json& body) {
  if (!body.is_object()) {
    return JsonResponse(400, StatusJson(400, "BadRequest", "TokenReview body must be an object"));
  }
  json spec = body.value("spec", json::object());
  std::string token = spec.is_object() ? spec.value("token", "") : "";
  json status = {{"authenticated", false}};
  {
    std::lock_guard lock(mu_);
    if (auto it = tokens_.find(token); !token.empty() && it != tokens_.end()) {
      status = {{"authenticated", true}, {"user", UserJson(it->second)}};
      if (spec.contains("audiences")) status["audiences"] = spec["audiences"];
    }
  }
  return JsonResponse(201, {{"kind", "TokenReview"},
                            {"apiVersion", "authentication.k8s.io/v1"},
                            {"metadata", {{"creationTimestamp", nullptr}}},
                            {"spec", spec},
                            {"status", status}});
}

ServerResponse FakeKubeApiserver::SubjectAccessReview(const json& body) {
  if (!body.is_object() || !body.contains("spec") || !body["spec"].is_object()) {
    return JsonResponse(400, StatusJson(400, "BadRequest", "SubjectAccessReview needs a spec"));
  }
  std::function<SarDecision(const json&)> decide;
  {
    std::lock_guard lock(mu_);
    decide = authorizer_;
  }
  SarDecision decision = decide(body["spec"]);
  json status = {{"allowed", decision.allowed}};
  if (decision.denied && !decision.allowed) status["denied"] = true;
  if (!decision.reason.empty()) status["reason"] = decision.reason;
  if (!decision.evaluation_error.empty()) status["evaluationError"] = decision.evaluation_error;
  return JsonResponse(201, {{"kind", "SubjectAccessReview"},
                            {"apiVersion", "authorization.k8s.io/v1"},
                            {"metadata", {{"creationTimestamp", nullptr}}},
                            {"spec", body["spec"]},
                            {"status", status}});
}

ServerResponse FakeKubeApiserver::ConfigMap() {
  std::lock_guard lock(mu_);
  if (!config_map_) {
    json status =
        StatusJson(404, "NotFound", "configmaps \"extension-apiserver-authentication\" not found");
    status["details"] = {{"name", "extension-apiserver-authentication"}, {"kind", "configmaps"}};
    return JsonResponse(404, status);
  }
  const AuthenticationConfigMap& c = *config_map_;
  json data = json::object();
  auto put_text = [&data](const char* key, const std::string& value) {
    if (!value.empty()) data[key] = value;
  };
  auto put_list = [&data](const char* key, const std::vector<std::string>& values) {
    if (!values.empty()) data[key] = JsonArrayText(values);
  };
  put_text("client-ca-file", c.client_ca_pem);
  put_text("requestheader-client-ca-file", c.requestheader_client_ca_pem);
  if (!c.requestheader_client_ca_pem.empty()) {
    // Like kube-apiserver: the header lists come with the request-header CA, "[]" when empty.
    data["requestheader-allowed-names"] = JsonArrayText(c.requestheader_allowed_names);
    data["requestheader-username-headers"] = JsonArrayText(c.requestheader_username_headers);
    data["requestheader-group-headers"] = JsonArrayText(c.requestheader_group_headers);
    data["requestheader-extra-headers-prefix"] =
        JsonArrayText(c.requestheader_extra_headers_prefix);
    put_list("requestheader-uid-headers", c.requestheader_uid_headers);
  }
  return JsonResponse(200, {{"kind", "ConfigMap"},
                            {"apiVersion", "v1"},
                            {"metadata",
                             {{"name", "extension-apiserver-authentication"},
                              {"namespace", "kube-system"},
                              {"resourceVersion", "1"}}},
                            {"data", data}});
}

}  // namespace prescale::testsupport
