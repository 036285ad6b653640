#include "adapter/prometheus_credentials.h"

#include <openssl/evp.h>
#include <strings.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "common/bearer_token.h"

namespace prescale::adapter {
namespace {

bool TokenChar(unsigned char c) {
  return std::isalnum(c) ||
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool Control(unsigned char c) { return c < 0x20 || c == 0x7F; }

bool SameName(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string Base64(std::string_view text) {
  std::string out(4 * ((text.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

}  // namespace

std::string ParsePrometheusHeader(std::string_view flag, std::pair<std::string, std::string>* out) {
  const size_t equals = flag.find('=');
  if (equals == std::string_view::npos || equals == 0)
    return "--prometheus-header takes NAME=VALUE (e.g. X-Scope-OrgID=tenant-1)";
  out->first = flag.substr(0, equals);
  out->second = flag.substr(equals + 1);
  return CheckPrometheusHeader(out->first, out->second, false);
}

std::string CheckPrometheusHeader(std::string_view name, std::string_view value,
                                  bool credential_file) {
  const std::string quoted = "--prometheus-header \"" + std::string(name) + "\"";
  if (name.empty()) return "--prometheus-header has an empty name";
  for (const char c : name) {
    if (!TokenChar(static_cast<unsigned char>(c)))
      return quoted + ": a header name holds only letters, digits and !#$%&'*+-.^_`|~";
  }
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (Control(byte) && byte != '\t')
      return quoted +
             ": the value holds a control character (CR, LF...), which would split the "
             "request";
  }
  static constexpr std::string_view kOwn[] = {
      "Host", "Content-Length", "Content-Type", "Transfer-Encoding", "Connection", "Keep-Alive",
      "TE",   "Upgrade",        "Expect"};
  for (const std::string_view own : kOwn) {
    if (SameName(name, own)) return quoted + ": prescale sets this header itself";
  }
  if (credential_file && SameName(name, "Authorization"))
    return quoted +
           ": Authorization is already set by --prometheus-token-file or "
           "--prometheus-basic-auth-file; use one of them";
  return "";
}

std::string CheckPrometheusHeaders(const HeaderList& headers, bool credential_file) {
  for (size_t i = 0; i < headers.size(); ++i) {
    std::string problem =
        CheckPrometheusHeader(headers[i].first, headers[i].second, credential_file);
    if (!problem.empty()) return problem;
    for (size_t j = 0; j < i; ++j) {
      if (SameName(headers[i].first, headers[j].first))
        return "--prometheus-header \"" + headers[i].first +
               "\" is given twice; send one value (Mimir and Cortex join tenants with '|')";
    }
  }
  return "";
}

std::optional<std::string> ReadBasicAuthFile(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  std::string text;
  if (in) text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (!in || in.bad()) {
    *error = "cannot read the basic-auth file " + path;
    return std::nullopt;
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (!Control(byte)) continue;
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", byte);
    *error = "the basic-auth file " + path + " holds a control character (byte " + hex +
             " at offset " + std::to_string(i) + "): it holds one line, user:password";
    return std::nullopt;
  }
  const size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0) {
    *error = "the basic-auth file " + path + " must hold user:password (a non-empty user, a colon)";
    return std::nullopt;
  }
  return "Basic " + Base64(text);
}

PrometheusCredential::PrometheusCredential(std::string token_file, std::string basic_auth_file)
    : token_file_(std::move(token_file)), basic_auth_file_(std::move(basic_auth_file)) {}

const char* PrometheusCredential::kind() const {
  return !token_file_.empty() ? "token" : !basic_auth_file_.empty() ? "basic auth" : "";
}

const std::string& PrometheusCredential::file() const {
  return !token_file_.empty() ? token_file_ : basic_auth_file_;
}

bool PrometheusCredential::Authorization(std::string* value, std::string* error) {
  const std::string& path = file();
  if (path.empty()) {
    value->clear();
    return true;
  }
  const FileStamp stamp = StampOf(path);
  if (!stamp.exists) {
    *error = std::string("cannot read the ") + (token_file_.empty() ? "basic-auth" : "token") +
             " file " + path;
    return false;
  }
  if (!(stamp == stamp_) || value_.empty()) {
    std::optional<std::string> fresh;
    if (!token_file_.empty()) {
      fresh = ReadBearerToken(token_file_, error);
      if (fresh) *fresh = fresh->empty() ? "" : "Bearer " + *fresh;
    } else {
      fresh = ReadBasicAuthFile(basic_auth_file_, error);
    }
    if (!fresh) return false;
    value_ = std::move(*fresh);
    stamp_ = stamp;
  }
  *value = value_;
  return true;
}

}  // namespace prescale::adapter
