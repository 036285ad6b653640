// TokenReviewer and AccessReviewer that ask the kube-apiserver (authentication.k8s.io/v1
// TokenReview, authorization.k8s.io/v1 SubjectAccessReview), and the reader of the
// extension-apiserver-authentication ConfigMap. Thread-safe; they block on the network.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apiserver/kube_client.h"
#include "apiserver/reviewers.h"

namespace prescale::apiserver {

class KubeTokenReviewer : public TokenReviewer {
 public:
  explicit KubeTokenReviewer(std::shared_ptr<const KubeClient> client);
  TokenReviewResult Review(const std::string& token) override;

 private:
  std::shared_ptr<const KubeClient> client_;
};

class KubeAccessReviewer : public AccessReviewer {
 public:
  explicit KubeAccessReviewer(std::shared_ptr<const KubeClient> client);
  AccessReviewResult Review(const AccessAttributes& attributes) override;

 private:
  std::shared_ptr<const KubeClient> client_;
};

// The request body of a SubjectAccessReview for `attributes` (exposed for tests).
std::string SubjectAccessReviewJson(const AccessAttributes& attributes);

// kube-system/extension-apiserver-authentication: what the cluster says about its CAs and
// front-proxy headers, for the flags the operator left empty.
struct ClusterAuthentication {
  std::string client_ca_pem;
  std::string requestheader_client_ca_pem;
  std::vector<std::string> requestheader_allowed_names;
  std::vector<std::string> requestheader_username_headers;
  std::vector<std::string> requestheader_uid_headers;
  std::vector<std::string> requestheader_group_headers;
  std::vector<std::string> requestheader_extra_headers_prefix;
};
std::optional<ClusterAuthentication> FetchClusterAuthentication(const KubeClient& client,
                                                                std::string* error);

}  // namespace prescale::apiserver
