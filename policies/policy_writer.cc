#include "policies/policy_writer.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <tuple>
#include <vector>

#include "common/duration.h"
#include "policies/policy_file.h"

namespace prescale::policies {
namespace {

// Shortest text that reads back as the same double.
std::string Number(double v) {
  char buf[32];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (std::stod(buf) == v) break;
  }
  return buf;
}

std::string Seconds(double seconds) {
  return FormatDuration(std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000 + 0.5)));
}

void SetEvents(YAML::Node policy, const Policy& tuned) {
  YAML::Node events = policy["events"];
  if (!events) return;
  if (tuned.events.empty()) {
    policy.remove("events");
    return;
  }
  for (size_t i = 0; i < events.size() && i < tuned.events.size(); ++i) {
    events[i]["before"] = Seconds(tuned.events[i].before_seconds);
    events[i]["after"] = Seconds(tuned.events[i].after_seconds);
  }
}

// In-place edits of the original text, so that comments and layout stay: each value replaced
// where it is written, a missing key inserted on its own line. Anything unusual (flow-style
// maps, events to remove) gives up, and the caller re-emits the document instead.
class TextEdits {
 public:
  explicit TextEdits(std::string_view text) : text_(text) {}

  // Replaces the scalar value at `node` with `value`.
  bool Replace(const YAML::Node& node, bool in_flow, const std::string& value) {
    const auto begin = static_cast<size_t>(node.Mark().pos);
    if (node.Mark().pos < 0 || begin >= text_.size()) return false;
    size_t end = begin;
    const char quote = text_[begin];
    if (quote == '"' || quote == '\'') {
      for (end = begin + 1; end < text_.size() && text_[end] != quote; ++end)
        if (quote == '"' && text_[end] == '\\') ++end;
      if (end >= text_.size()) return false;
      ++end;
    } else {
      while (end < text_.size() && text_[end] != '\n' && text_[end] != '\r' &&
             !(text_[end] == '#' && end > begin && text_[end - 1] == ' ') &&
             !(in_flow && (text_[end] == ',' || text_[end] == '}' || text_[end] == ']')))
        ++end;
      while (end > begin && (text_[end - 1] == ' ' || text_[end - 1] == '\t')) --end;
    }
    edits_.push_back({begin, end, value});
    return true;
  }

  // Inserts `lines` (each ending in a newline) at the start of the line after `node`'s line.
  bool InsertAfterLine(const YAML::Node& node, const std::string& lines) {
    size_t at = text_.find('\n', static_cast<size_t>(std::max(0, node.Mark().pos)));
    if (at == std::string_view::npos) return false;
    edits_.push_back({at + 1, at + 1, lines});
    return true;
  }

  std::string Apply() const {
    // From the end, so earlier positions stay valid; inserts at one position keep their order.
    std::vector<size_t> order(edits_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [this](size_t a, size_t b) {
      return edits_[a].begin != edits_[b].begin ? edits_[a].begin > edits_[b].begin : a > b;
    });
    std::string out(text_);
    for (size_t i : order)
      out.replace(edits_[i].begin, edits_[i].end - edits_[i].begin, edits_[i].text);
    return out;
  }

 private:
  struct Edit {
    size_t begin, end;
    std::string text;
  };
  std::string_view text_;
  std::vector<Edit> edits_;
};

bool IsBlockMap(const YAML::Node& n) {
  return n && n.IsMap() && n.Style() != YAML::EmitterStyle::Flow && n.size() > 0;
}

// The column of a block map's first key, as spaces.
std::string Indent(const YAML::Node& map) {
  return std::string(static_cast<size_t>(std::max(0, map.begin()->first.Mark().column)), ' ');
}

// Sets map[key] to `value`: in place when present, else a line after the map's first key.
bool Set(TextEdits* edits, const YAML::Node& map, const char* key, const std::string& value) {
  const bool flow = map.Style() == YAML::EmitterStyle::Flow;
  if (const YAML::Node v = map[key]) return v.IsScalar() && edits->Replace(v, flow, value);
  if (flow) return false;
  return edits->InsertAfterLine(map.begin()->first, Indent(map) + key + ": " + value + "\n");
}

// Only the values that change are touched.
std::optional<std::string> EditInPlace(std::string_view text, const YAML::Node& p,
                                       const Policy& was, const Policy& tuned) {
  if (!IsBlockMap(p)) return std::nullopt;
  TextEdits edits(text);
  const std::tuple<const char*, std::string, bool> values[] = {
      {"quantile", Number(tuned.quantile), tuned.quantile != was.quantile},
      {"lead", FormatDuration(tuned.lead), tuned.lead != was.lead},
      {"scale_down_hold", FormatDuration(tuned.scale_down_hold),
       tuned.scale_down_hold != was.scale_down_hold},
      {"model", tuned.model, tuned.model != was.model}};
  for (const auto& [key, value, changed] : values)
    if (changed && !Set(&edits, p, key, value)) return std::nullopt;
  const YAML::Node events = p["events"];
  if (tuned.events.size() != was.events.size() ||
      (events && (!events.IsSequence() || events.size() != tuned.events.size())))
    return std::nullopt;
  for (size_t i = 0; events && i < events.size(); ++i) {
    const forecasting::EventSpec &e = tuned.events[i], &w = was.events[i];
    if (e.before_seconds == w.before_seconds && e.after_seconds == w.after_seconds) continue;
    if (!events[i].IsMap() || events[i].size() == 0 ||
        !Set(&edits, events[i], "before", Seconds(e.before_seconds)) ||
        !Set(&edits, events[i], "after", Seconds(e.after_seconds)))
      return std::nullopt;
  }
  const std::string target = Number(tuned.backtest.target_utilization);
  const YAML::Node b = p["backtest"];
  if (tuned.backtest.target_utilization == was.backtest.target_utilization) {
    // unchanged
  } else if (b) {
    if (!IsBlockMap(b) || !Set(&edits, b, "target_utilization", target)) return std::nullopt;
  } else {
    const std::string in = Indent(p);
    edits.InsertAfterLine(p.begin()->first,
                          in + "backtest:\n" + in + "  target_utilization: " + target + "\n");
  }
  return edits.Apply();
}

// Whether `text` loads with the policy `name` carrying exactly the tuned values and everything
// else as `original` had it.
bool LoadsAsTuned(const std::string& text, const Config& original, const std::string& name,
                  const Policy& tuned) {
  const LoadResult loaded = ParseConfig(text, "tuned");
  if (!loaded.config || loaded.config->policies.size() != original.policies.size()) return false;
  for (size_t i = 0; i < original.policies.size(); ++i) {
    const Policy& was = original.policies[i];
    const Policy& now = loaded.config->policies[i];
    Policy expected = was;
    if (was.name == name) {
      expected.quantile = tuned.quantile;
      expected.lead = tuned.lead;
      expected.scale_down_hold = tuned.scale_down_hold;
      expected.model = tuned.model;
      expected.events = tuned.events;
      expected.backtest.target_utilization = tuned.backtest.target_utilization;
    }
    if (!(now.serving() == expected.serving()) ||
        now.backtest.target_utilization != expected.backtest.target_utilization ||
        now.backtest.min_replicas != was.backtest.min_replicas ||
        now.backtest.max_replicas != was.backtest.max_replicas)
      return false;
  }
  return loaded.config->prometheus.url == original.prometheus.url &&
         loaded.config->refresh == original.refresh;
}

}  // namespace

bool RewritePolicy(std::string_view yaml_text, const std::string& name, const Policy& tuned,
                   const std::string& header, std::string* out, std::string* error) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    *error = std::string("the policy file does not parse: ") + e.what();
    return false;
  }
  YAML::Node policies = root["policies"];
  for (size_t i = 0; policies && policies.IsSequence() && i < policies.size(); ++i) {
    YAML::Node p = policies[i];
    if (!p.IsMap() || !p["name"] || p["name"].as<std::string>("") != name) continue;
    // Comments and layout kept when the edit in place loads back exactly as tuned.
    const LoadResult original = ParseConfig(yaml_text, "original");
    if (original.config) {
      const Policy* was = nullptr;
      for (const Policy& candidate : original.config->policies)
        if (candidate.name == name) was = &candidate;
      const std::optional<std::string> edited =
          was ? EditInPlace(yaml_text, p, *was, tuned) : std::nullopt;
      if (edited && LoadsAsTuned(*edited, *original.config, name, tuned)) {
        *out = header + *edited;
        return true;
      }
    }
    p["quantile"] = Number(tuned.quantile);
    p["lead"] = FormatDuration(tuned.lead);
    p["scale_down_hold"] = FormatDuration(tuned.scale_down_hold);
    p["model"] = tuned.model;
    SetEvents(p, tuned);
    p["backtest"]["target_utilization"] = Number(tuned.backtest.target_utilization);
    YAML::Emitter emitter;
    emitter << root;
    *out = header + "# Re-emitted by yaml-cpp: the original comments are not kept.\n" +
           emitter.c_str() + "\n";
    return true;
  }
  *error = "no policy named \"" + name + "\" in the policy file";
  return false;
}

}  // namespace prescale::policies
