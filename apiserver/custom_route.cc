#include "apiserver/custom_route.h"

namespace prescale::apiserver {

std::optional<CustomRoute> ParseCustomRoute(const RequestInfo& info) {
  const std::vector<std::string>& p = info.parts;  // apis, group, version, ...
  if (p.size() < 4) return std::nullopt;
  const std::vector<std::string> rest(p.begin() + 3, p.end());
  CustomRoute route;
  route.version = p[2];
  if (rest.size() == 5 && rest[0] == "namespaces") {
    route = {p[2], rest[2], rest[1], rest[3], rest[4]};
  } else if (rest.size() == 4 && rest[0] == "namespaces" && rest[2] == "metrics") {
    route = {p[2], "namespaces", "", rest[1], rest[3]};
  } else if (rest.size() == 3) {
    route = {p[2], rest[0], "", rest[1], rest[2]};
  } else {
    return std::nullopt;
  }
  if (route.resource.empty() || route.name.empty() || route.metric.empty()) return std::nullopt;
  return route;
}

}  // namespace prescale::apiserver
