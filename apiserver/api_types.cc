#include "apiserver/api_types.h"

#include <nlohmann/json.hpp>

#include "apiserver/custom_api_types.h"
#include "apiserver/quantity.h"
#include "common/rfc3339.h"

namespace prescale::apiserver {
namespace {

using ordered_json = nlohmann::ordered_json;

ordered_json GroupJson() {
  const ordered_json version = {{"groupVersion", kGroupVersion}, {"version", kVersion}};
  return {{"kind", "APIGroup"},
          {"apiVersion", "v1"},
          {"name", kGroup},
          {"versions", ordered_json::array({version})},
          {"preferredVersion", version}};
}

}  // namespace

std::string EncodeExternalMetricValue(const ExternalMetricValue& value) {
  const std::optional<std::string> quantity = FormatQuantity(value.value);
  if (!quantity) return "";
  ordered_json item;
  item["metricName"] = value.metric_name;
  item["metricLabels"] = ordered_json::object();
  for (const auto& [k, v] : value.labels) item["metricLabels"][k] = v;
  item["timestamp"] =
      FormatRfc3339(std::chrono::duration<double>(value.timestamp.time_since_epoch()).count());
  if (value.window_seconds) item["window"] = *value.window_seconds;
  item["value"] = *quantity;
  return item.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string EncodeExternalMetricValueList(const MetricValues& values) {
  static constexpr std::string_view kHead =
      R"({"kind":"ExternalMetricValueList","apiVersion":"external.metrics.k8s.io/v1beta1",)"
      R"("metadata":{},"items":[)";
  std::string out;
  size_t size = kHead.size() + 2;
  for (const ExternalMetricValue* v : values.items) size += v->json.size() + 1;
  out.reserve(size);
  out.append(kHead);
  bool first = true;
  for (const ExternalMetricValue* v : values.items) {
    const std::string encoded = v->json.empty() ? EncodeExternalMetricValue(*v) : std::string();
    const std::string& item = v->json.empty() ? encoded : v->json;
    if (item.empty()) continue;  // a non-finite value is never emitted
    if (!first) out.push_back(',');
    out.append(item);
    first = false;
  }
  out.append("]}");
  return out;
}

std::string EncodeApiResourceList(const std::vector<MetricInfo>& metrics) {
  ordered_json resources = ordered_json::array();
  for (const MetricInfo& m : metrics) {
    resources.push_back({{"name", m.name},
                         {"singularName", ""},
                         {"namespaced", true},
                         {"kind", "ExternalMetricValueList"},
                         {"verbs", {"get"}}});
  }
  const ordered_json list = {{"kind", "APIResourceList"},
                             {"apiVersion", "v1"},
                             {"groupVersion", kGroupVersion},
                             {"resources", resources}};
  return list.dump();
}

std::string EncodeApiGroup() { return GroupJson().dump(); }

std::string EncodeApiGroupList(bool with_custom) {
  ordered_json groups = ordered_json::array({GroupJson()});
  if (with_custom) groups.push_back(ordered_json::parse(EncodeCustomApiGroup()));
  const ordered_json list = {
      {"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", std::move(groups)}};
  return list.dump();
}

std::string EncodeStatus(int code, std::string_view reason, std::string_view message,
                         std::string_view details_json) {
  ordered_json status = {
      {"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", ordered_json::object()},
      {"status", "Failure"}, {"message", message}, {"reason", reason}};
  if (!details_json.empty()) status["details"] = ordered_json::parse(details_json);
  status["code"] = code;
  return status.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace prescale::apiserver
