#include "apiserver/custom_api_types.h"

#include <nlohmann/json.hpp>

#include "apiserver/quantity.h"
#include "common/rfc3339.h"

namespace prescale::apiserver {
namespace {

using ordered_json = nlohmann::ordered_json;

std::string Dump(const ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ordered_json SelectorJson(const LabelSelector& selector) {
  ordered_json labels = ordered_json::object(), expressions = ordered_json::array();
  for (const Requirement& r : selector.requirements()) {
    using Op = Requirement::Op;
    if (r.op == Op::kEquals || r.op == Op::kDoubleEquals) {
      labels[r.key] = r.values.empty() ? "" : r.values.front();
      continue;
    }
    ordered_json e = {{"key", r.key}};
    switch (r.op) {
      case Op::kIn:
        e["operator"] = "In";
        break;
      case Op::kNotIn:
      case Op::kNotEquals:
        e["operator"] = "NotIn";
        break;
      case Op::kExists:
        e["operator"] = "Exists";
        break;
      default:
        e["operator"] = "DoesNotExist";
        break;
    }
    if (r.op == Op::kIn || r.op == Op::kNotIn || r.op == Op::kNotEquals) e["values"] = r.values;
    expressions.push_back(std::move(e));
  }
  ordered_json out = ordered_json::object();
  if (!labels.empty()) out["matchLabels"] = std::move(labels);
  if (!expressions.empty()) out["matchExpressions"] = std::move(expressions);
  return out;
}

ordered_json ObjectJson(const ObjectReference& o) {
  ordered_json j = {{"kind", o.kind}};
  if (!o.ns.empty()) j["namespace"] = o.ns;
  j["name"] = o.name;
  j["apiVersion"] = o.api_version;
  return j;
}

ordered_json ItemJson(std::string_view version, const CustomMetricValue& v,
                      const std::string& quantity, const LabelSelector& metric_selector) {
  const double seconds = std::chrono::duration<double>(v.timestamp.time_since_epoch()).count();
  ordered_json item = {{"describedObject", ObjectJson(v.object)}};
  if (version == kCustomV1beta2) {
    ordered_json metric = {{"name", v.metric_name}};
    if (!metric_selector.Empty()) metric["selector"] = SelectorJson(metric_selector);
    item["metric"] = std::move(metric);
    item["timestamp"] = FormatRfc3339(seconds);
    if (v.window_seconds) item["windowSeconds"] = *v.window_seconds;
    item["value"] = quantity;
  } else {
    item["metricName"] = v.metric_name;
    item["timestamp"] = FormatRfc3339(seconds);
    if (v.window_seconds) item["window"] = *v.window_seconds;
    item["value"] = quantity;
    item["selector"] = metric_selector.Empty() ? ordered_json() : SelectorJson(metric_selector);
  }
  return item;
}

}  // namespace

bool IsCustomVersion(std::string_view version) {
  return version == kCustomV1beta2 || version == kCustomV1beta1;
}

std::string EncodeMetricValueList(std::string_view version,
                                  const std::vector<CustomMetricValue>& values,
                                  const LabelSelector& metric_selector) {
  ordered_json items = ordered_json::array();
  for (const CustomMetricValue& v : values) {
    const std::optional<std::string> quantity = FormatQuantity(v.value);
    if (quantity) items.push_back(ItemJson(version, v, *quantity, metric_selector));
  }
  const ordered_json list = {{"kind", "MetricValueList"},
                             {"apiVersion", std::string(kCustomGroup) + "/" + std::string(version)},
                             {"metadata", ordered_json::object()},
                             {"items", std::move(items)}};
  return Dump(list);
}

std::string EncodeCustomApiResourceList(std::string_view version,
                                        const std::vector<CustomMetricInfo>& metrics) {
  ordered_json resources = ordered_json::array();
  for (const CustomMetricInfo& m : metrics) {
    resources.push_back({{"name", m.resource + "/" + m.metric},
                         {"singularName", ""},
                         {"namespaced", m.namespaced},
                         {"kind", "MetricValueList"},
                         {"verbs", {"get"}}});
  }
  const ordered_json list = {
      {"kind", "APIResourceList"},
      {"apiVersion", "v1"},
      {"groupVersion", std::string(kCustomGroup) + "/" + std::string(version)},
      {"resources", std::move(resources)}};
  return Dump(list);
}

std::string EncodeCustomApiGroup() {
  ordered_json versions = ordered_json::array();
  for (std::string_view v : {kCustomV1beta2, kCustomV1beta1}) {
    versions.push_back(
        {{"groupVersion", std::string(kCustomGroup) + "/" + std::string(v)}, {"version", v}});
  }
  const ordered_json group = {{"kind", "APIGroup"},
                              {"apiVersion", "v1"},
                              {"name", kCustomGroup},
                              {"versions", versions},
                              {"preferredVersion", versions[0]}};
  return Dump(group);
}

std::string EncodeLabelSelector(const LabelSelector& selector) {
  return Dump(SelectorJson(selector));
}

}  // namespace prescale::apiserver
