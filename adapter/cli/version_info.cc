#include "adapter/cli/version_info.h"

#include <nlohmann/json.hpp>

#include "common/build_info.h"

namespace prescale::cli {

std::string Platform() {
  const char* arch =
#if defined(__x86_64__)
      "amd64";
#elif defined(__aarch64__)
      "arm64";
#elif defined(__arm__)
      "arm";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
      "ppc64le";
#elif defined(__s390x__)
      "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
      "riscv64";
#elif defined(__i386__)
      "386";
#else
      "unknown";
#endif
  return std::string("linux/") + arch;
}

std::string VersionInfoJson(std::string_view version) {
  // Digits only, as the kube-apiserver's own: "0.10.2-rc1" has major "0" and minor "10".
  const auto number = [](std::string_view part) {
    size_t n = 0;
    while (n < part.size() && part[n] >= '0' && part[n] <= '9') ++n;
    return std::string(part.substr(0, n));
  };
  const size_t dot = version.find('.');
  const std::string major = number(version.substr(0, dot));
  const std::string minor = dot == std::string_view::npos ? "" : number(version.substr(dot + 1));
  return nlohmann::json({{"major", major},
                         {"minor", minor},
                         {"gitVersion", "v" + std::string(version)},
                         {"gitCommit", build::kGitCommit},
                         {"gitTreeState", ""},
                         {"buildDate", build::kBuildDate},
                         {"goVersion", ""},
                         {"compiler", build::kCompiler},
                         {"platform", Platform()}})
      .dump();
}

}  // namespace prescale::cli
