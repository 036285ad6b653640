// What the Prometheus client adds to each query besides the query itself: the operator's extra
// headers (serve's --prometheus-header, e.g. Mimir's X-Scope-OrgID) and one credential, a bearer
// token (--prometheus-token-file) or HTTP basic auth (--prometheus-basic-auth-file, a
// "user:password" file), read from files that other processes rotate. No function here puts a
// header value, a token or a password into an error message: errors name the header or the file.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/file_stamp.h"

namespace prescale::adapter {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Splits a --prometheus-header argument "NAME=VALUE" at its first '=' and checks it with
// CheckPrometheusHeader. Returns the problem ("" when usable).
std::string ParsePrometheusHeader(std::string_view flag, std::pair<std::string, std::string>* out);

// Problems of an extra header, "" when it may be sent: the name must be an HTTP token (RFC 9110:
// letters, digits, !#$%&'*+-.^_`|~); the value must hold no control byte but TAB (no CR or LF,
// which would split the request); names the client sets itself (Host, Content-Length,
// Content-Type, Transfer-Encoding, Connection, Keep-Alive, TE, Upgrade, Expect) are refused, and
// so is Authorization when `credential_file` (a token or basic-auth file) already sets it.
std::string CheckPrometheusHeader(std::string_view name, std::string_view value,
                                  bool credential_file);
// CheckPrometheusHeader on each, plus: a name given twice (case-insensitive) is refused.
std::string CheckPrometheusHeaders(const HeaderList& headers, bool credential_file);

// The Authorization value of a basic-auth file: "Basic " + base64("user:password"). The file holds
// one "user:password" line (a trailing newline is dropped); the user must be non-empty and
// holds no ':'; neither part holds a control byte. On failure returns nullopt and sets *error,
// naming the file (and the offset of a bad byte), never its content. Thread-safe.
std::optional<std::string> ReadBasicAuthFile(const std::string& path, std::string* error);

// The credential of the queries, re-read when its file changes (FileStamp: inode, size, mtime),
// so a rotated token or password is used from the next query on. At most one of the two files
// may be set. Not thread-safe (one owner: the client).
class PrometheusCredential {
 public:
  PrometheusCredential(std::string token_file, std::string basic_auth_file);

  // The Authorization header value ("Bearer ...", "Basic ...") or "" when no file is set. False
  // with *error (naming the file) when it cannot be read or is malformed.
  bool Authorization(std::string* value, std::string* error);

  // "token", "basic auth" or "" (for logs).
  const char* kind() const;
  // The file in use ("" when none).
  const std::string& file() const;

 private:
  std::string token_file_;
  std::string basic_auth_file_;
  std::string value_;
  FileStamp stamp_;
};

}  // namespace prescale::adapter
