#include "apiserver/delegated_reviewers.h"

#include <nlohmann/json.hpp>

namespace prescale::apiserver {
namespace {

using nlohmann::json;

std::string DescribeFailure(const KubeResponse& r) {
  if (!r.error.empty()) return r.error;
  std::string message = "HTTP " + std::to_string(r.status);
  try {
    const json body = json::parse(r.body);
    if (body.contains("message")) message += ": " + body["message"].get<std::string>();
  } catch (const json::exception&) {
  }
  return message;
}

std::vector<std::string> StringArray(const json& j, const char* key) {
  std::vector<std::string> out;
  if (j.contains(key) && j[key].is_array()) {
    for (const json& v : j[key]) {
      if (v.is_string()) out.push_back(v.get<std::string>());
    }
  }
  return out;
}

}  // namespace

KubeTokenReviewer::KubeTokenReviewer(std::shared_ptr<const KubeClient> client)
    : client_(std::move(client)) {}

TokenReviewResult KubeTokenReviewer::Review(const std::string& token) {
  TokenReviewResult result;
  const json request = {{"apiVersion", "authentication.k8s.io/v1"},
                        {"kind", "TokenReview"},
                        {"spec", {{"token", token}}}};
  const KubeResponse response =
      client_->Post("/apis/authentication.k8s.io/v1/tokenreviews",
                    request.dump(-1, ' ', false, json::error_handler_t::replace));
  if (response.status < 200 || response.status > 299) {
    result.message = "TokenReview failed: " + DescribeFailure(response);
    return result;
  }
  try {
    const json status = json::parse(response.body).value("status", json::object());
    if (!status.value("authenticated", false)) {
      result.outcome = TokenReviewResult::Outcome::kRejected;
      result.message = status.value("error", std::string("token not authenticated"));
      return result;
    }
    const json user = status.value("user", json::object());
    result.user.name = user.value("username", "");
    if (result.user.name.empty()) {  // authenticated as nobody: fail closed, not cached
      result.message = "TokenReview authenticated the token but named no user";
      return result;
    }
    result.user.uid = user.value("uid", "");
    result.user.groups = StringArray(user, "groups");
    if (user.contains("extra") && user["extra"].is_object()) {
      for (const auto& [k, v] : user["extra"].items())
        result.user.extra[k] = StringArray(user["extra"], k.c_str());
    }
    result.outcome = TokenReviewResult::Outcome::kAuthenticated;
  } catch (const json::exception& e) {
    result.message = std::string("TokenReview answer is not valid JSON: ") + e.what();
  }
  return result;
}

std::string SubjectAccessReviewJson(const AccessAttributes& a) {
  json spec = {{"user", a.user.name}, {"groups", a.user.groups}};
  if (!a.user.uid.empty()) spec["uid"] = a.user.uid;
  if (!a.user.extra.empty()) spec["extra"] = a.user.extra;
  if (a.resource_request) {
    json attrs = {{"namespace", a.ns},
                  {"verb", a.verb},
                  {"group", a.group},
                  {"version", a.version},
                  {"resource", a.resource}};
    if (!a.subresource.empty()) attrs["subresource"] = a.subresource;
    if (!a.name.empty()) attrs["name"] = a.name;
    spec["resourceAttributes"] = attrs;
  } else {
    spec["nonResourceAttributes"] = {{"path", a.path}, {"verb", a.verb}};
  }
  // Invalid UTF-8 (from a client certificate or header) is replaced, as Go's encoder does.
  return json({{"apiVersion", "authorization.k8s.io/v1"},
               {"kind", "SubjectAccessReview"},
               {"spec", spec}})
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

KubeAccessReviewer::KubeAccessReviewer(std::shared_ptr<const KubeClient> client)
    : client_(std::move(client)) {}

AccessReviewResult KubeAccessReviewer::Review(const AccessAttributes& attributes) {
  AccessReviewResult result;
  const KubeResponse response = client_->Post("/apis/authorization.k8s.io/v1/subjectaccessreviews",
                                              SubjectAccessReviewJson(attributes));
  if (response.status < 200 || response.status > 299) {
    result.reason = "SubjectAccessReview failed: " + DescribeFailure(response);
    return result;
  }
  try {
    const json status = json::parse(response.body).value("status", json::object());
    result.reason = status.value("reason", "");
    if (status.value("allowed", false)) {
      result.outcome = AccessReviewResult::Outcome::kAllowed;
    } else {
      // Denied, or no opinion: either way not allowed (the delegating authorizer's rule).
      result.outcome = AccessReviewResult::Outcome::kDenied;
    }
    if (result.outcome == AccessReviewResult::Outcome::kDenied && result.reason.empty())
      result.reason = status.value("evaluationError", "");
  } catch (const json::exception& e) {
    result.reason = std::string("SubjectAccessReview answer is not valid JSON: ") + e.what();
  }
  return result;
}

std::optional<ClusterAuthentication> FetchClusterAuthentication(const KubeClient& client,
                                                                std::string* error) {
  const KubeResponse response =
      client.Get("/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication");
  if (response.status != 200) {
    *error = "cannot read configmap kube-system/extension-apiserver-authentication: " +
             DescribeFailure(response);
    return std::nullopt;
  }
  try {
    const json data = json::parse(response.body).value("data", json::object());
    ClusterAuthentication c;
    c.client_ca_pem = data.value("client-ca-file", "");
    c.requestheader_client_ca_pem = data.value("requestheader-client-ca-file", "");
    const auto list = [&data](const char* key) {
      const std::string text = data.value(key, "");
      return text.empty() ? std::vector<std::string>{}
                          : StringArray(json{{"v", json::parse(text)}}, "v");
    };
    c.requestheader_allowed_names = list("requestheader-allowed-names");
    c.requestheader_username_headers = list("requestheader-username-headers");
    c.requestheader_uid_headers = list("requestheader-uid-headers");
    c.requestheader_group_headers = list("requestheader-group-headers");
    c.requestheader_extra_headers_prefix = list("requestheader-extra-headers-prefix");
    return c;
  } catch (const json::exception& e) {
    *error = std::string("extension-apiserver-authentication configmap is malformed: ") + e.what();
    return std::nullopt;
  }
}

}  // namespace prescale::apiserver
