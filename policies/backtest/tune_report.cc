#include "policies/backtest/tune_report.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/duration.h"
#include "common/rfc3339.h"

namespace prescale::policies {
namespace {

// printf into a string of any length (paths and titles are long).
std::string Fmt(const char* fmt, auto... args) {
  const int n = std::snprintf(nullptr, 0, fmt, args...);
  std::string out(static_cast<size_t>(std::max(n, 0)) + 1, '\0');
  std::snprintf(out.data(), out.size(), fmt, args...);
  out.pop_back();
  return out;
}

std::string Advantage(const std::optional<double>& eca) {
  if (!eca) return "-";
  if (!std::isfinite(*eca)) return "inf";
  return Fmt("%.2f", *eca);
}

nlohmann::ordered_json FiniteJson(const std::optional<double>& v) {
  return v && std::isfinite(*v) ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json KnobsJson(const TuneKnobs& k) {
  return {{"quantile", k.quantile},
          {"lead", FormatDuration(k.lead)},
          {"scale_down_hold", FormatDuration(k.scale_down_hold)},
          {"model", k.model},
          {"target_utilization", k.target_utilization},
          {"event_window_scale", k.event_window_scale}};
}

nlohmann::ordered_json FiguresJson(const TuneFigures& f) {
  return {{"unserved_fraction", f.unserved_fraction},
          {"pod_seconds", f.pod_seconds},
          {"cost", f.cost},
          {"equal_cost_advantage", FiniteJson(f.equal_cost_advantage)}};
}

nlohmann::ordered_json StrategyJson(const StrategyResult& s, double reference) {
  return {{"unserved_fraction", s.unserved_fraction},
          {"pod_seconds", s.pod_seconds},
          {"cost", reference > 0 ? s.pod_seconds / reference : 0},
          {"spikes_ready_before_onset", s.spikes_ready_before_onset},
          {"target_utilization", FiniteJson(s.target_utilization)}};
}

std::string ValidationRow(const char* name, const StrategyResult& s, double reference,
                          const std::optional<double>& eca, size_t spikes) {
  return Fmt("%-30s %9.3f%% %7.3f %11.1f %8s %7d/%zu\n", name, 100 * s.unserved_fraction,
             reference > 0 ? s.pod_seconds / reference : 0, s.pod_seconds / 3600,
             Advantage(eca).c_str(), s.spikes_ready_before_onset, spikes);
}

std::string Objective(const TuneObjective& o) {
  std::string out;
  if (o.max_cost) out += Fmt("cost <= %.3g", *o.max_cost);
  if (o.max_unserved)
    out += Fmt("%sunserved <= %.3g%%", out.empty() ? "" : ", ", 100 * *o.max_unserved);
  out += o.max_cost ? ", least unserved demand" : ", least cost";
  return out + Fmt(" (training part: with a %.3g%% margin)", 100 * o.margin);
}

std::string Escape(const std::string& text) {
  std::string out;
  for (char c : text)
    out += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : std::string(1, c);
  return out;
}

}  // namespace

std::string DescribeKnobs(const TuneKnobs& k) {
  return Fmt("q=%.3g lead=%s hold=%s model=%s target=%.2f events=x%.3g", k.quantile,
             FormatDuration(k.lead).c_str(), FormatDuration(k.scale_down_hold).c_str(),
             k.model.c_str(), k.target_utilization, k.event_window_scale);
}

std::string FormatTuneReport(const TuneResult& r, const std::string& history_name) {
  std::string out =
      Fmt("%s: %zu candidates on the training part (before %s, first %s not accounted), "
          "validated after it; capacity per pod %.4g; objective: %s\n",
          history_name.c_str(), r.candidates.size(), FormatRfc3339(r.split_unix).c_str(),
          FormatDuration(std::chrono::seconds(r.train_warm_up_seconds)).c_str(), r.capacity_per_pod,
          Objective(r.objective).c_str());
  out += "Pareto front (training part; cost = pod-seconds / reactive's at the current target):\n";
  out += Fmt("%9s %7s %6s  %s\n", "unserved", "cost", "ECA", "setting");
  std::vector<const TuneCandidate*> front;
  for (const TuneCandidate& c : r.candidates)
    if (c.pareto) front.push_back(&c);
  std::sort(front.begin(), front.end(), [](const TuneCandidate* a, const TuneCandidate* b) {
    return a->train.cost < b->train.cost;
  });
  for (const TuneCandidate* c : front) {
    const bool chosen = r.recommended && c == &r.candidates[*r.recommended];
    out += Fmt("%8.3f%% %7.3f %6s  %s%s\n", 100 * c->train.unserved_fraction, c->train.cost,
               Advantage(c->train.equal_cost_advantage).c_str(), DescribeKnobs(c->knobs).c_str(),
               chosen        ? "  <- recommended"
               : c->feasible ? ""
                             : "  (fails the constraint)");
  }
  out += Fmt("current:     %s (training: %.3f%% unserved, cost %.3f, ECA %s)\n",
             DescribeKnobs(r.current.knobs).c_str(), 100 * r.current.train.unserved_fraction,
             r.current.train.cost, Advantage(r.current.train.equal_cost_advantage).c_str());
  if (!r.recommended) return out + "recommended: none (no candidate meets the objective)\n";
  const TuneCandidate& best = r.candidates[*r.recommended];
  out += Fmt("recommended: %s (training: %.3f%% unserved, cost %.3f, ECA %s)%s\n",
             DescribeKnobs(best.knobs).c_str(), 100 * best.train.unserved_fraction, best.train.cost,
             Advantage(best.train.equal_cost_advantage).c_str(),
             best.eligible ? "" : " [no candidate matched the current equal-cost advantage]");
  const BacktestResult& cur = r.validation_current;
  const BacktestResult& rec = *r.validation_recommended;
  const double ref = cur.of(Strategy::kReactive).pod_seconds;
  out += Fmt("Validation (after %s):\n%-30s %10s %7s %11s %8s %9s\n",
             FormatRfc3339(r.split_unix).c_str(), "strategy", "unserved", "cost", "pod_hours",
             "ECA", "spikes");
  out += ValidationRow("recommended (prescale)", rec.of(Strategy::kPrescale), ref,
                       rec.equal_cost_advantage, rec.spikes.size());
  out += ValidationRow("  its reactive_matched", rec.of(Strategy::kReactiveMatched), ref,
                       std::nullopt, rec.spikes.size());
  out += ValidationRow("current (prescale)", cur.of(Strategy::kPrescale), ref,
                       cur.equal_cost_advantage, cur.spikes.size());
  out += ValidationRow("  its reactive_matched", cur.of(Strategy::kReactiveMatched), ref,
                       std::nullopt, cur.spikes.size());
  out += ValidationRow("reactive (current target)", cur.of(Strategy::kReactive), ref, std::nullopt,
                       cur.spikes.size());
  out += Fmt("the recommendation %s the objective's constraints on the validation part\n",
             r.validation_meets_constraints ? "meets" : "does NOT meet");
  return out;
}

std::string TuneJson(const TuneResult& r, const std::string& history_name) {
  nlohmann::ordered_json candidates = nlohmann::ordered_json::array();
  for (const TuneCandidate& c : r.candidates) {
    candidates.push_back({{"knobs", KnobsJson(c.knobs)},
                          {"train", FiguresJson(c.train)},
                          {"feasible", c.feasible},
                          {"eligible", c.eligible},
                          {"pareto", c.pareto}});
  }
  nlohmann::ordered_json objective = {{"max_cost", FiniteJson(r.objective.max_cost)},
                                      {"max_unserved", FiniteJson(r.objective.max_unserved)}};
  nlohmann::ordered_json j = {
      {"history", history_name},
      {"split", r.split_unix},
      {"train_warm_up_seconds", r.train_warm_up_seconds},
      {"capacity_per_pod", r.capacity_per_pod},
      {"objective", objective},
      {"current", {{"knobs", KnobsJson(r.current.knobs)}, {"train", FiguresJson(r.current.train)}}},
      {"candidates", candidates},
      {"recommended", nullptr}};
  const double ref = r.validation_current.of(Strategy::kReactive).pod_seconds;
  const auto validation = [&](const BacktestResult& b) {
    nlohmann::ordered_json v = {{"equal_cost_advantage", FiniteJson(b.equal_cost_advantage)}};
    for (Strategy s : {Strategy::kPrescale, Strategy::kReactive, Strategy::kReactiveMatched})
      v[StrategyName(s)] = StrategyJson(b.of(s), ref);
    return v;
  };
  j["validation"] = {{"current", validation(r.validation_current)}};
  if (r.recommended) {
    const TuneCandidate& best = r.candidates[*r.recommended];
    j["recommended"] = {{"index", *r.recommended},
                        {"knobs", KnobsJson(best.knobs)},
                        {"train", FiguresJson(best.train)},
                        {"eligible", best.eligible}};
    j["validation"]["recommended"] = validation(*r.validation_recommended);
    j["validation"]["recommended_meets_constraints"] = r.validation_meets_constraints;
  }
  return j.dump(2) + "\n";
}

std::string RenderTuneSvg(const TuneResult& r, const std::string& title) {
  constexpr double kW = 900, kH = 560, kL = 80, kR = 30, kT = 60, kB = 60;
  double x0 = 1e300, x1 = 0, y1 = 0;
  const auto extend = [&](double cost, double unserved) {
    x0 = std::min(x0, cost), x1 = std::max(x1, cost), y1 = std::max(y1, 100 * unserved);
  };
  for (const TuneCandidate& c : r.candidates) extend(c.train.cost, c.train.unserved_fraction);
  const double ref =
      r.current.train.cost > 0 ? r.current.train.pod_seconds / r.current.train.cost : 0;
  for (const FrontierPoint& p : r.reactive)
    if (ref > 0) extend(p.pod_seconds / ref, p.unserved_fraction);
  if (!(x1 > x0)) x1 = x0 + 1;
  y1 = std::max(y1 * 1.05, 1e-6);
  const auto X = [&](double cost) { return kL + (cost - x0) / (x1 - x0) * (kW - kL - kR); };
  const auto Y = [&](double percent) { return kT + (1 - percent / y1) * (kH - kT - kB); };
  std::string svg =
      Fmt("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
          "font-family=\"sans-serif\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"#fafafa\"/>\n"
          "<text x=\"%.0f\" y=\"28\" font-size=\"15\" font-weight=\"bold\">%s</text>\n"
          "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"#fff\" "
          "stroke=\"#999\"/>\n",
          kW, kH, kL, Escape(title).c_str(), kL, kT, kW - kL - kR, kH - kT - kB);
  for (int i = 0; i <= 5; ++i) {
    const double v = y1 * i / 5, c = x0 + (x1 - x0) * i / 5;
    svg +=
        Fmt("<text x=\"%.0f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%.3g%%</text>"
            "<text x=\"%.1f\" y=\"%.0f\" font-size=\"11\" text-anchor=\"middle\">%.2f</text>\n",
            kL - 6, Y(v) + 4, v, X(c), kH - kB + 16, c);
  }
  svg +=
      Fmt("<text x=\"%.0f\" y=\"%.0f\" font-size=\"12\" text-anchor=\"middle\">cost (pod-seconds / "
          "reactive's at the current target), training part</text>\n<text transform=\"translate(18 "
          "%.0f) rotate(-90)\" font-size=\"12\" text-anchor=\"middle\">unserved demand</text>\n",
          (kL + kW - kR) / 2, kH - 16, (kT + kH - kB) / 2);
  if (r.objective.max_cost && *r.objective.max_cost >= x0 && *r.objective.max_cost <= x1) {
    svg +=
        Fmt("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.0f\" y2=\"%.0f\" stroke=\"#2ca02c\" "
            "stroke-dasharray=\"5,4\"/>\n",
            X(*r.objective.max_cost), X(*r.objective.max_cost), kT, kH - kB);
  }
  if (r.objective.max_unserved && 100 * *r.objective.max_unserved <= y1) {
    svg +=
        Fmt("<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#2ca02c\" "
            "stroke-dasharray=\"5,4\"/>\n",
            kL, kW - kR, Y(100 * *r.objective.max_unserved), Y(100 * *r.objective.max_unserved));
  }
  std::vector<const TuneCandidate*> front;
  for (const TuneCandidate& c : r.candidates) {
    svg +=
        Fmt("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"#bbb\"><title>%s: %.3f%%, cost "
            "%.3f</title></circle>\n",
            X(c.train.cost), Y(100 * c.train.unserved_fraction),
            Escape(DescribeKnobs(c.knobs)).c_str(), 100 * c.train.unserved_fraction, c.train.cost);
    if (c.pareto) front.push_back(&c);
  }
  std::sort(front.begin(), front.end(), [](const TuneCandidate* a, const TuneCandidate* b) {
    return a->train.cost < b->train.cost;
  });
  std::string path, reactive_path;
  for (const TuneCandidate* c : front)
    path += Fmt("%.1f,%.1f ", X(c->train.cost), Y(100 * c->train.unserved_fraction));
  for (const FrontierPoint& p : r.reactive) {
    if (ref > 0)
      reactive_path += Fmt("%.1f,%.1f ", X(p.pod_seconds / ref), Y(100 * p.unserved_fraction));
  }
  svg +=
      Fmt("<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"%s\"/>\n"
          "<polyline fill=\"none\" stroke=\"#d62728\" stroke-width=\"1.5\" points=\"%s\"/>\n",
          path.c_str(), reactive_path.c_str());
  const auto circle = [&](const TuneCandidate& c, const char* color, const char* label) {
    const double x = X(c.train.cost), y = Y(100 * c.train.unserved_fraction);
    return Fmt(
        "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"7\" fill=\"none\" stroke=\"%s\" "
        "stroke-width=\"2\"/><text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" "
        "fill=\"%s\">%s</text>\n",
        x, y, color, x + 9, y - 9, color, label);
  };
  svg += circle(r.current, "#000", "current");
  if (r.recommended) svg += circle(r.candidates[*r.recommended], "#ff7f0e", "recommended");
  const char* legend[][2] = {{"#bbb", "candidates"},
                             {"#1f77b4", "Pareto front"},
                             {"#d62728", "reactive over its target utilization"},
                             {"#2ca02c", "constraint"}};
  double ly = kT + 18;
  for (const auto& [color, label] : legend) {
    svg +=
        Fmt("<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.0f\" y2=\"%.0f\" stroke=\"%s\" "
            "stroke-width=\"3\"/><text x=\"%.0f\" y=\"%.0f\" font-size=\"12\">%s</text>\n",
            kW - kR - 300, kW - kR - 275, ly - 4, ly - 4, color, kW - kR - 270, ly, label);
    ly += 18;
  }
  return svg + "</svg>\n";
}

}  // namespace prescale::policies
