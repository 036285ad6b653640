// Kubernetes' version.Info (k8s.io/apimachinery/pkg/version) of this build, as /version serves
// it: major and minor numbers of the version ("0.10.2" gives "0" and "10"), the platform spelt
// as GOOS/GOARCH. Pure.
#pragma once

#include <string>
#include <string_view>

namespace prescale::cli {

// "linux/amd64", "linux/arm64", ...: the platform this binary was compiled for.
std::string Platform();

// The JSON document of /version for `version` ("MAJOR.MINOR.PATCH", possibly with a suffix).
std::string VersionInfoJson(std::string_view version);

}  // namespace prescale::cli
