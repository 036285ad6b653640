// Transport-neutral request and response values passed between the TLS server and the handler.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace prescale::apiserver {

// Header names compare case-insensitively; repeated headers appear once per occurrence.
using HeaderList = std::vector<std::pair<std::string_view, std::string_view>>;

bool HeaderNameEquals(std::string_view a, std::string_view b);
// The first value of header `name`, or an empty view.
std::string_view FindHeader(const HeaderList& headers, std::string_view name);

// What the TLS layer verified about the connection's client certificate. Computed once per
// connection by CertificateVerifier; immutable afterwards.
struct ClientCertificate {
  bool present = false;
  bool verified_by_client_ca = false;       // chains to --client-ca-file (clientAuth usage)
  bool verified_by_front_proxy_ca = false;  // chains to --requestheader-client-ca-file and its CN
                                            // is allowed (--requestheader-allowed-names)
  std::string common_name;                  // the user name of an ordinary client certificate
  std::vector<std::string> organizations;   // its groups
  std::string error;                        // why neither verification succeeded
  // Why it failed, for the security signals: expired (or not yet valid), or a front-proxy
  // certificate whose CN is not allowed; otherwise an untrusted certificate.
  bool expired = false;
  bool front_proxy_name_refused = false;
  // The leaf's notAfter (Unix seconds): a kept-alive connection's certificate is checked
  // against it on every request, not only at the handshake.
  double not_after = 0;
};

// Views into the transport's buffers: valid only during the handler call.
struct HttpRequest {
  std::string_view method;
  std::string_view target;  // path and query, as sent
  HeaderList headers;
  const ClientCertificate* certificate = nullptr;  // never null when called by TlsServer
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

// The identity of an authenticated caller (k8s.io/apiserver user.Info).
struct UserInfo {
  std::string name;
  std::string uid;
  std::vector<std::string> groups;
  std::map<std::string, std::vector<std::string>> extra;
};

}  // namespace prescale::apiserver
