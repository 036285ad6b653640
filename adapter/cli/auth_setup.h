// Builds the authentication and authorization of `serve` from its flags: client CAs, the
// front-proxy settings (from flags, else from the cluster's extension-apiserver-authentication
// ConfigMap), and the delegated TokenReview/SubjectAccessReview clients (from the kubeconfig
// flags, else the in-cluster service account).
#pragma once

#include <memory>
#include <stdexcept>

#include "adapter/cli/client_cas.h"
#include "adapter/cli/serve_options.h"
#include "apiserver/authenticator.h"
#include "apiserver/authorizer.h"
#include "apiserver/cert_verifier.h"
#include "apiserver/server_metrics.h"

namespace prescale::cli {

// A start-up failure with the exit status it deserves (2: bad flags or files, 1: the cluster
// could not be reached).
struct SetupError : std::runtime_error {
  SetupError(int exit_code, const std::string& message)
      : std::runtime_error(message), exit_code(exit_code) {}
  int exit_code;
};

struct AuthComponents {
  std::shared_ptr<apiserver::CertificateVerifierHolder> verifier;
  ClientCas cas;                     // what `verifier` was built from
  ClientCaWatcher::Reader read_cas;  // reads them again, for the ClientCaWatcher
  std::unique_ptr<apiserver::Authenticator> authenticator;
  std::unique_ptr<apiserver::Authorizer> authorizer;
};

// Throws SetupError.
AuthComponents BuildAuth(const ServeOptions& options);

// Counts the authorizer's background re-reviews as delegation requests, and those it could not
// queue as limit rejections. `metrics` must outlive `authorizer`.
void ReportRevalidations(apiserver::Authorizer& authorizer, apiserver::ServerMetrics& metrics);

}  // namespace prescale::cli
