#include "policies/policy_file.h"

#include "common/http_url.h"
#include "common/names.h"
#include "common/read_file.h"
#include "forecasting/calendar.h"
#include "forecasting/model.h"
#include "policies/described_object_reader.h"
#include "policies/yaml_reader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

namespace prescale::policies {
namespace {

bool IsKnownModel(const std::string& name) {
  const std::vector<std::string> known = forecasting::KnownModelNames();
  return std::find(known.begin(), known.end(), name) != known.end();
}

void ReadScalingRules(YamlReader& r, const YAML::Node& node, const std::string& path,
                      ScalingRules* out) {
  if (!r.IsMap(node, path)) return;
  r.CheckKeys(node, path, {"stabilizationWindowSeconds", "selectPolicy", "policies", "tolerance"});
  if (const YAML::Node w = node["stabilizationWindowSeconds"]) {
    int v = 0;
    if (r.Int(w, path + ".stabilizationWindowSeconds", &v)) {
      if (v < 0 || v > 3600) {
        r.Error(w, path + ".stabilizationWindowSeconds", "must be between 0 and 3600");
      } else {
        out->stabilization_window_seconds = v;
      }
    }
  }
  if (const YAML::Node s = node["selectPolicy"]) {
    const std::string v = s.IsScalar() ? s.Scalar() : "";
    if (v == "Max")
      out->select_policy = ScalingRules::Select::kMax;
    else if (v == "Min")
      out->select_policy = ScalingRules::Select::kMin;
    else if (v == "Disabled")
      out->select_policy = ScalingRules::Select::kDisabled;
    else
      r.Error(s, path + ".selectPolicy", "must be Max, Min or Disabled");
  }
  if (const YAML::Node t = node["tolerance"]) {
    // A Kubernetes Quantity: a plain number ("0.05") or milli-units ("50m").
    const std::string text = t.IsScalar() ? t.Scalar() : "";
    const bool milli = !text.empty() && text.back() == 'm';
    double v = 0;
    YAML::Node number(milli ? text.substr(0, text.size() - 1) : text);
    if (!t.IsScalar() || !YAML::convert<double>::decode(number, v) || !std::isfinite(v) || v < 0)
      r.Error(t, path + ".tolerance", "must be a non-negative quantity such as 0.05 or 50m");
    else
      out->tolerance = milli ? v / 1000 : v;
  }
  if (const YAML::Node ps = node["policies"]) {
    if (!ps.IsSequence()) {
      r.Error(ps, path + ".policies", "must be a list");
      return;
    }
    std::vector<ScalingPolicy> policies;
    for (size_t i = 0; i < ps.size(); ++i) {
      const std::string p = path + ".policies[" + std::to_string(i) + "]";
      const YAML::Node item = ps[i];
      if (!r.IsMap(item, p)) continue;
      r.CheckKeys(item, p, {"type", "value", "periodSeconds"});
      ScalingPolicy sp;
      const YAML::Node type = item["type"];
      if (!type)
        r.Error(item, p + ".type", "is required");
      else if (type.Scalar() == "Pods")
        sp.type = ScalingPolicy::Type::kPods;
      else if (type.Scalar() == "Percent")
        sp.type = ScalingPolicy::Type::kPercent;
      else
        r.Error(type, p + ".type", "must be Pods or Percent");
      if (!item["value"])
        r.Error(item, p + ".value", "is required");
      else if (r.Int(item["value"], p + ".value", &sp.value) && sp.value <= 0)
        r.Error(item["value"], p + ".value", "must be greater than 0");
      if (!item["periodSeconds"])
        r.Error(item, p + ".periodSeconds", "is required");
      else if (r.Int(item["periodSeconds"], p + ".periodSeconds", &sp.period_seconds) &&
               (sp.period_seconds <= 0 || sp.period_seconds > 1800))
        r.Error(item["periodSeconds"], p + ".periodSeconds", "must be between 1 and 1800");
      policies.push_back(sp);
    }
    if (policies.empty()) r.Error(ps, path + ".policies", "must not be empty");
    out->policies = std::move(policies);
  }
}

void ReadBacktest(YamlReader& r, const YAML::Node& node, const std::string& path,
                  BacktestSpec* out) {
  if (!r.IsMap(node, path)) return;
  r.CheckKeys(node, path,
              {"min_replicas", "max_replicas", "pod_startup", "capacity_per_pod",
               "target_utilization", "sync_period", "behavior"});
  if (const YAML::Node n = node["min_replicas"]) {
    if (r.Int(n, path + ".min_replicas", &out->min_replicas) && out->min_replicas < 1)
      r.Error(n, path + ".min_replicas", "must be at least 1");
  }
  if (const YAML::Node n = node["max_replicas"])
    r.Int(n, path + ".max_replicas", &out->max_replicas);
  if (out->max_replicas < out->min_replicas)
    r.Error(node["max_replicas"] ? node["max_replicas"] : node, path + ".max_replicas",
            "must be at least min_replicas");
  r.Dur(node, path, "pod_startup", &out->pod_startup, /*positive=*/false);
  r.Dur(node, path, "sync_period", &out->sync_period);
  if (const YAML::Node n = node["capacity_per_pod"]) {
    double v = 0;
    if (r.Number(n, path + ".capacity_per_pod", &v)) {
      if (v <= 0)
        r.Error(n, path + ".capacity_per_pod", "must be greater than 0");
      else
        out->capacity_per_pod = v;
    }
  }
  if (const YAML::Node n = node["target_utilization"]) {
    double v = 0;
    if (r.Number(n, path + ".target_utilization", &v)) {
      if (v <= 0 || v > 1)
        r.Error(n, path + ".target_utilization", "must be in (0, 1]");
      else
        out->target_utilization = v;
    }
  }
  if (const YAML::Node b = node["behavior"]) {
    const std::string bp = path + ".behavior";
    if (!r.IsMap(b, bp)) return;
    r.CheckKeys(b, bp, {"scaleUp", "scaleDown"});
    Behavior behavior;
    if (b["scaleUp"])
      ReadScalingRules(r, b["scaleUp"], bp + ".scaleUp", &behavior.scale_up.emplace());
    if (b["scaleDown"])
      ReadScalingRules(r, b["scaleDown"], bp + ".scaleDown", &behavior.scale_down.emplace());
    out->behavior = behavior;
  }
}

// A list of strings, each checked by `parse`; errors point at the item.
void ReadStringList(YamlReader& r, const YAML::Node& node, const std::string& path,
                    std::vector<std::string>* out,
                    bool (*valid)(const std::string&, std::string*)) {
  if (!node.IsSequence()) {
    r.Error(node, path, "must be a list");
    return;
  }
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string p = path + "[" + std::to_string(i) + "]";
    std::string why;
    if (!node[i].IsScalar())
      r.Error(node[i], p, "must be a string");
    else if (!valid(node[i].Scalar(), &why))
      r.Error(node[i], p, why);
    else
      out->push_back(node[i].Scalar());
  }
}

bool ValidDateTime(const std::string& text, std::string* why) {
  return forecasting::ParseLocalDateTime(text, why).has_value();
}
bool ValidDate(const std::string& text, std::string* why) {
  return forecasting::ParseLocalDate(text, why).has_value();
}

void ReadEvents(YamlReader& r, const YAML::Node& node, const std::string& path,
                std::vector<forecasting::EventSpec>* out) {
  if (!node.IsSequence()) {
    r.Error(node, path, "must be a list");
    return;
  }
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string p = path + "[" + std::to_string(i) + "]";
    const YAML::Node e_node = node[i];
    if (!r.IsMap(e_node, p)) continue;
    r.CheckKeys(e_node, p, {"name", "schedule", "timezone", "dates", "except", "before", "after"});
    forecasting::EventSpec e;
    r.String(e_node, p, "name", &e.name, true);
    r.String(e_node, p, "schedule", &e.schedule);
    r.String(e_node, p, "timezone", &e.timezone);
    if (const YAML::Node d = e_node["dates"])
      ReadStringList(r, d, p + ".dates", &e.dates, ValidDateTime);
    if (const YAML::Node x = e_node["except"])
      ReadStringList(r, x, p + ".except", &e.except, ValidDate);
    if (!e_node["schedule"] && !e_node["dates"])
      r.Error(e_node, p + ".schedule", "is required (or dates)");
    if (e_node["except"] && !e_node["schedule"])
      r.Error(e_node["except"], p + ".except", "excludes dates of a schedule, and there is none");
    Duration before = std::chrono::seconds(300), after = std::chrono::seconds(1800);
    r.Dur(e_node, p, "before", &before, /*positive=*/false);
    r.Dur(e_node, p, "after", &after, /*positive=*/false);
    e.before_seconds = ToSeconds(before);
    e.after_seconds = ToSeconds(after);
    // The parts of forecasting::ScheduledEvent::Create, checked apart to report each.
    std::string why;
    if (!e.schedule.empty() && !forecasting::CronSchedule::Parse(e.schedule, &why))
      r.Error(e_node["schedule"], p + ".schedule", why);
    if (e_node["timezone"] && !e.timezone.empty() && !forecasting::LocateTimeZone(e.timezone, &why))
      r.Error(e_node["timezone"], p + ".timezone", why);
    for (const forecasting::EventSpec& earlier : *out) {
      if (!e.name.empty() && earlier.name == e.name)
        r.Error(e_node["name"], p + ".name", "duplicate event name " + e.name);
    }
    out->push_back(e);
  }
}

void ReadVisibility(YamlReader& r, const YAML::Node& node, const std::string& path, Policy* p) {
  if (const YAML::Node list = node["namespaces"]) {
    if (!list.IsSequence() || list.size() == 0) {
      r.Error(list, path + ".namespaces", "must be a non-empty list of namespace names or \"*\"");
    } else {
      for (size_t i = 0; i < list.size(); ++i) {
        const std::string where = path + ".namespaces[" + std::to_string(i) + "]";
        const std::string ns = list[i].IsScalar() ? list[i].Scalar() : "";
        if (ns != "*" && !IsDns1123Label(ns))
          r.Error(list[i], where, "must be a namespace name (a DNS-1123 label) or \"*\"");
        else
          p->namespaces.push_back(ns);
      }
      std::sort(p->namespaces.begin(), p->namespaces.end());
    }
  }
  r.String(node, path, "namespace_label", &p->namespace_label);
  if (node["namespace_label"] && !IsLabelName(p->namespace_label))
    r.Error(node["namespace_label"], path + ".namespace_label",
            "must be a label name ([a-zA-Z_][a-zA-Z0-9_]*)");
}

// Every window a series keeps is bounded in points, so one policy cannot take the memory of the
// process with `history: 10y` and `step: 1s`, and no step arithmetic can overflow.
constexpr int64_t kMaxPointsPerSeries = 1'000'000;
constexpr int kMaxSeriesLimit = 100'000;
// The longest refresh period and query timeout (refresh: 300y would overflow the steady clock).
constexpr Duration kMaxPeriod = std::chrono::hours(24);

void CheckPoints(YamlReader& r, const YAML::Node& node, const std::string& path, const char* key,
                 Duration d, Duration step) {
  if (step.count() <= 0) return;
  const int64_t points = d.count() / step.count() + (d.count() % step.count() != 0 ? 1 : 0);
  if (points <= kMaxPointsPerSeries) return;
  const YAML::Node at = node[key] ? node[key] : node["step"] ? node["step"] : node;
  r.Error(at, path + "." + key,
          FormatDuration(d) + " over step " + FormatDuration(step) + " is " +
              std::to_string(points) + " points per series, at most " +
              std::to_string(kMaxPointsPerSeries));
}

void CheckMetricName(YamlReader& r, const YAML::Node& at, const std::string& field,
                     const std::string& name, const std::string& what = "") {
  if (const std::string why = ValidateMetricName(name); !why.empty())
    r.Error(at, field, what + why);
}

void ReadPolicy(YamlReader& r, const YAML::Node& node, const std::string& path, Policy* p) {
  if (!r.IsMap(node, path)) return;
  r.CheckKeys(node, path,
              {"name",
               "query",
               "step",
               "history",
               "lead",
               "quantile",
               "model",
               "seasonality",
               "events",
               "max_staleness",
               "scale_down_hold",
               "grace",
               "refit_every",
               "learn_events",
               "max_series",
               "metrics",
               "namespaces",
               "namespace_label",
               "object",
               "backtest"});
  r.String(node, path, "name", &p->name, true);
  if (!p->name.empty()) CheckMetricName(r, node["name"], path + ".name", p->name);
  r.String(node, path, "query", &p->query, true);
  r.Dur(node, path, "step", &p->step);
  r.Dur(node, path, "history", &p->history);
  if (node["history"] && p->history < p->step)
    r.Error(node["history"], path + ".history",
            "must be at least one step (" + FormatDuration(p->step) + ")");
  r.Dur(node, path, "lead", &p->lead, /*positive=*/false);
  if (node["lead"] && p->lead > p->history)
    r.Error(node["lead"], path + ".lead",
            "must not exceed history (" + FormatDuration(p->history) + ")");
  r.Dur(node, path, "max_staleness", &p->max_staleness);
  r.Dur(node, path, "scale_down_hold", &p->scale_down_hold, /*positive=*/false);
  r.Dur(node, path, "grace", &p->grace, /*positive=*/false);
  if (node["grace"] && p->grace >= p->max_staleness)
    r.Error(node["grace"], path + ".grace",
            "must be shorter than max_staleness (" + FormatDuration(p->max_staleness) + ")");
  r.Dur(node, path, "refit_every", &p->refit_every);
  CheckPoints(r, node, path, "history", p->history, p->step);
  CheckPoints(r, node, path, "refit_every", p->refit_every, p->step);
  CheckPoints(r, node, path, "scale_down_hold", p->scale_down_hold, p->step);
  CheckPoints(r, node, path, "grace", p->grace, p->step);
  if (const YAML::Node n = node["max_series"]) {
    if (r.Int(n, path + ".max_series", &p->max_series) &&
        (p->max_series < 1 || p->max_series > kMaxSeriesLimit))
      r.Error(n, path + ".max_series", "must be between 1 and " + std::to_string(kMaxSeriesLimit));
  }
  if (const YAML::Node b = node["learn_events"]) {
    bool v = true;
    if (!b.IsScalar() || !YAML::convert<bool>::decode(b, v))
      r.Error(b, path + ".learn_events", "must be true or false");
    else
      p->learn_events = v;
  }
  if (const YAML::Node q = node["quantile"]) {
    if (r.Number(q, path + ".quantile", &p->quantile) && (p->quantile <= 0 || p->quantile >= 1))
      r.Error(q, path + ".quantile", "must be strictly between 0 and 1");
  }
  r.String(node, path, "model", &p->model);
  if (node["model"] && !IsKnownModel(p->model))
    r.Error(node["model"], path + ".model", forecasting::UnknownModelMessage(p->model));
  if (const YAML::Node s = node["seasonality"]) {
    if (!s.IsSequence()) {
      r.Error(s, path + ".seasonality", "must be a list of durations");
    } else {
      for (size_t i = 0; i < s.size(); ++i) {
        std::string error;
        const auto d = s[i].IsScalar() ? ParseDuration(s[i].Scalar(), &error) : std::nullopt;
        if (!d || d->count() <= 0)
          r.Error(s[i], path + ".seasonality[" + std::to_string(i) + "]",
                  error.empty() ? "must be a positive duration" : error);
        else if (d->count() % p->step.count() != 0)
          r.Error(s[i], path + ".seasonality[" + std::to_string(i) + "]",
                  "must be a multiple of step (" + FormatDuration(p->step) + ")");
        else if (*d > p->history)
          r.Error(s[i], path + ".seasonality[" + std::to_string(i) + "]",
                  "is longer than history (" + FormatDuration(p->history) +
                      "): the model could never learn it");
        else
          p->seasonality.push_back(*d);
      }
    }
  }
  if (const YAML::Node e = node["events"]) ReadEvents(r, e, path + ".events", &p->events);
  p->observed_metric = p->name;
  p->forecast_metric = p->name + "_forecast";
  if (const YAML::Node m = node["metrics"]) {
    const std::string mp = path + ".metrics";
    if (r.IsMap(m, mp)) {
      r.CheckKeys(m, mp, {"observed", "forecast"});
      r.String(m, mp, "observed", &p->observed_metric);
      r.String(m, mp, "forecast", &p->forecast_metric);
      for (const char* key : {"observed", "forecast"}) {
        if (m[key] && m[key].IsScalar() && !m[key].Scalar().empty())
          CheckMetricName(r, m[key], mp + "." + key, m[key].Scalar());
      }
    }
  }
  // A valid name may still be too long with "_forecast" appended.
  if (!p->name.empty() && ValidateMetricName(p->name).empty() &&
      !(node["metrics"] && node["metrics"].IsMap() && node["metrics"]["forecast"]))
    CheckMetricName(r, node["name"], path + ".name", p->forecast_metric,
                    "with _forecast appended: ");
  ReadVisibility(r, node, path, p);
  if (const YAML::Node o = node["object"])
    ReadDescribedObject(r, o, path + ".object", &p->object.emplace());
  if (const YAML::Node b = node["backtest"]) ReadBacktest(r, b, path + ".backtest", &p->backtest);
}

void CheckUniqueMetricNames(YamlReader& r, const YAML::Node& list, const Config& config) {
  std::set<std::string> seen;
  for (size_t i = 0; i < config.policies.size(); ++i) {
    for (const std::string* name :
         {&config.policies[i].observed_metric, &config.policies[i].forecast_metric}) {
      if (!name->empty() && !seen.insert(*name).second)
        r.Error(list[i], "policies[" + std::to_string(i) + "]",
                "serves metric " + *name + " which another policy already serves");
    }
  }
}

}  // namespace

std::string ConfigError::ToString() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  out += ": ";
  if (!field.empty()) out += field + ": ";
  return out + message;
}

LoadResult ParseConfig(std::string_view yaml_text, const std::string& file_name) {
  LoadResult result;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::ParserException& e) {
    result.errors.push_back(
        {file_name, e.mark.line + 1, e.mark.column + 1, "", "YAML syntax error: " + e.msg});
    return result;
  }
  YamlReader r(file_name);
  Config config;
  if (!root.IsMap()) {
    r.Error(root, "", "the policy file must be a mapping with a `policies` list");
    result.errors = std::move(r.errors());
    return result;
  }
  r.CheckKeys(root, "", {"prometheus", "refresh", "policies"});
  if (const YAML::Node prom = root["prometheus"]) {
    if (r.IsMap(prom, "prometheus")) {
      r.CheckKeys(prom, "prometheus", {"url", "timeout"});
      r.String(prom, "prometheus", "url", &config.prometheus.url);
      std::string error;
      if (prom["url"] && !ParseHttpUrl(config.prometheus.url, "the URL",
                                       "use serve's --prometheus-token-file", &error))
        r.Error(prom["url"], "prometheus.url", error);
      r.Dur(prom, "prometheus", "timeout", &config.prometheus.timeout, true, kMaxPeriod);
    }
  }
  r.Dur(root, "", "refresh", &config.refresh, true, kMaxPeriod);
  const YAML::Node list = root["policies"];
  if (!list) {
    r.Error(root, "policies", "is required");
  } else if (!list.IsSequence() || list.size() == 0) {
    r.Error(list, "policies", "must be a non-empty list");
  } else {
    std::set<std::string> names;
    for (size_t i = 0; i < list.size(); ++i) {
      Policy p;
      ReadPolicy(r, list[i], "policies[" + std::to_string(i) + "]", &p);
      if (!p.name.empty() && !names.insert(p.name).second)
        r.Error(list[i]["name"], "policies[" + std::to_string(i) + "].name",
                "duplicate policy name " + p.name);
      config.policies.push_back(std::move(p));
    }
    CheckUniqueMetricNames(r, list, config);
  }
  result.errors = std::move(r.errors());
  // Checks run per section, so sort to give the promised file order.
  std::stable_sort(result.errors.begin(), result.errors.end(),
                   [](const ConfigError& a, const ConfigError& b) {
                     return std::tie(a.line, a.column) < std::tie(b.line, b.column);
                   });
  if (result.errors.empty()) result.config = std::move(config);
  return result;
}

LoadResult LoadConfigFile(const std::string& path) {
  const std::optional<std::string> text = ReadFile(path);
  if (!text) {
    LoadResult result;
    result.errors.push_back({path, 0, 0, "", "cannot read file"});
    return result;
  }
  return ParseConfig(*text, path);
}

}  // namespace prescale::policies
