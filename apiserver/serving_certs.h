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
// empty and the directory has none yet. Throws std::runtime_error with a one-line reason when
// the files are unusable (only one of the pair given, unwritable directory).
ServingCertFiles ResolveServingCert(const std::string& cert_file, const std::string& key_file,
                                    const std::string& cert_dir,
                                    const std::vector<std::string>& extra_names = {});

}  // namespace prescale::apiserver
