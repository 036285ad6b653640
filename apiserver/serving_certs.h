// The server's TLS certificate: from --tls-cert-file/--tls-private-key-file, or, when none is
// given, a self-signed one kept in --cert-dir (apiserver.crt/apiserver.key, as
// custom-metrics-apiserver names them), generated on first start for localhost and 127.0.0.1.
#pragma once

#include <string>
#include <vector>

namespace prescale::apiserver {

struct ServingCertFiles {
  std::string cert_file;
  std::string key_file;
  bool generated = false;
};

// Returns the files to load, generating them in `cert_dir` when `cert_file` and `key_file` are
// empty and the directory has none yet. The directory is created 0700 and must be owned by this
// user and not writable by group or others; the key is written 0600 through a new temporary
// file (never following a symlink, never into an existing file) renamed into place. Throws
// std::runtime_error with a one-line reason when the files are unusable (only one of the pair
// given, an unsafe or unwritable directory).
ServingCertFiles ResolveServingCert(const std::string& cert_file, const std::string& key_file,
                                    const std::string& cert_dir,
                                    const std::vector<std::string>& extra_names = {});

}  // namespace prescale::apiserver
