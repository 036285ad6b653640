// The two questions an aggregated API server delegates to the kube-apiserver: "who holds this
// bearer token?" (TokenReview) and "may this user do this?" (SubjectAccessReview). Implementations
// block on the network; they are called from a worker pool, never from the I/O threads.
#pragma once

#include <string>

#include "apiserver/http_types.h"

namespace prescale::apiserver {

struct TokenReviewResult {
  enum class Outcome { kAuthenticated, kRejected, kError };
  Outcome outcome = Outcome::kError;
  UserInfo user;        // when authenticated
  std::string message;  // why rejected or what failed
};

// Thread-safe.
class TokenReviewer {
 public:
  virtual ~TokenReviewer() = default;
  virtual TokenReviewResult Review(const std::string& token) = 0;
};

// The attributes of one request, as k8s.io/apiserver's authorizer.Attributes.
struct AccessAttributes {
  UserInfo user;
  bool resource_request = false;
  std::string verb;  // get, list, create, ...
  // resource requests
  std::string ns;
  std::string group;
  std::string version;
  std::string resource;
  std::string subresource;
  std::string name;
  // non-resource requests
  std::string path;
};

struct AccessReviewResult {
  enum class Outcome { kAllowed, kDenied, kError };
  Outcome outcome = Outcome::kError;
  std::string reason;
};

// Thread-safe.
class AccessReviewer {
 public:
  virtual ~AccessReviewer() = default;
  virtual AccessReviewResult Review(const AccessAttributes& attributes) = 0;
};

}  // namespace prescale::apiserver
