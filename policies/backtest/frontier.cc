#include "policies/backtest/frontier.h"

#include <algorithm>
#include <cstdio>
#include <thread>

namespace prescale::policies {
namespace {

std::string Fmt(const char* fmt, auto... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

double TotalDemand(const Timeline& tl) {
  double total = 0;
  for (int64_t s = tl.warm_up; s < tl.seconds; ++s) total += tl.Demand(s);
  return total;
}

FrontierPoint PointOf(Strategy strategy, double parameter, const Run& run, double total) {
  return {strategy, parameter, total > 0 ? run.unserved / total : 0, run.result.pod_seconds};
}

FrontierPoint PrescaleAt(const Timeline& tl, const BacktestOptions& o, double capacity,
                         double quantile, double total) {
  Policy policy = o.policy;
  policy.quantile = quantile;
  auto made = PipelineSettings::Create(policy, tl.trace.step_seconds, o.make_model);
  // RunBacktest built the policy's pipeline already; only the quantile differs.
  const auto settings = std::get<std::shared_ptr<const PipelineSettings>>(std::move(made));
  const BacktestSpec& d = o.policy.backtest;
  const std::unique_ptr<MetricSource> source = MakePrescaleSource(tl, settings, o.series);
  const Run run = SimulateHpa(tl, d, capacity, d.target_utilization, MetricAtSyncs(tl, d, *source));
  return PointOf(Strategy::kPrescale, quantile, run, total);
}

}  // namespace

std::vector<FrontierPoint> RunFrontier(const Timeline& tl, const BacktestOptions& o,
                                       double capacity,
                                       const std::vector<double>& reactive_metric) {
  const double total = TotalDemand(tl);
  std::vector<FrontierPoint> points;
  for (double target : o.frontier_targets) {
    const Run run = SimulateHpa(tl, o.policy.backtest, capacity, target, reactive_metric);
    points.push_back(PointOf(Strategy::kReactive, target, run, total));
  }
  // Each quantile is a whole pipeline run: spread them over the threads, one result slot each.
  std::vector<FrontierPoint> prescale(o.frontier_quantiles.size());
  const size_t threads =
      std::clamp<size_t>(static_cast<size_t>(std::max(1, o.threads)), 1, prescale.size());
  std::vector<std::thread> workers;
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (size_t i = t; i < prescale.size(); i += threads)
        prescale[i] = PrescaleAt(tl, o, capacity, o.frontier_quantiles[i], total);
    });
  }
  for (std::thread& w : workers) w.join();
  points.insert(points.end(), prescale.begin(), prescale.end());
  return points;
}

std::string FormatFrontierTable(const std::vector<FrontierPoint>& points) {
  std::string out = Fmt("%-10s %10s %10s %11s\n", "strategy", "parameter", "unserved", "pod_hours");
  for (const FrontierPoint& p : points) {
    out += Fmt("%-10s %10s %9.3f%% %11.1f\n", StrategyName(p.strategy),
               Fmt(p.strategy == Strategy::kReactive ? "u=%.2f" : "q=%.3g", p.parameter).c_str(),
               100 * p.unserved_fraction, p.pod_seconds / 3600);
  }
  return out;
}

std::string RenderFrontierSvg(const std::vector<FrontierPoint>& points,
                              const std::vector<FrontierPoint>& marks, const std::string& title) {
  constexpr double kW = 900, kH = 560, kL = 80, kR = 30, kT = 60, kB = 60;
  double x0 = 1e300, x1 = 0, y1 = 0;
  for (const auto* list : {&points, &marks}) {
    for (const FrontierPoint& p : *list) {
      x0 = std::min(x0, p.pod_seconds / 3600);
      x1 = std::max(x1, p.pod_seconds / 3600);
      y1 = std::max(y1, 100 * p.unserved_fraction);
    }
  }
  if (!(x1 > x0)) x1 = x0 + 1;
  y1 = std::max(y1 * 1.05, 1e-6);
  const auto X = [&](double pod_hours) {
    return kL + (pod_hours - x0) / (x1 - x0) * (kW - kL - kR);
  };
  const auto Y = [&](double percent) { return kT + (1 - percent / y1) * (kH - kT - kB); };
  std::string svg = Fmt(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
      "font-family=\"sans-serif\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"#fafafa\"/>\n",
      kW, kH);
  std::string escaped;
  for (char c : title)
    escaped += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : std::string(1, c);
  svg += Fmt("<text x=\"%.0f\" y=\"28\" font-size=\"15\" font-weight=\"bold\">%s</text>\n", kL,
             escaped.c_str());
  svg +=
      Fmt("<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"#fff\" "
          "stroke=\"#999\"/>\n",
          kL, kT, kW - kL - kR, kH - kT - kB);
  for (int i = 0; i <= 5; ++i) {
    const double v = y1 * i / 5, h = x0 + (x1 - x0) * i / 5;
    svg +=
        Fmt("<text x=\"%.0f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%.3g%%</text>"
            "<text x=\"%.1f\" y=\"%.0f\" font-size=\"11\" text-anchor=\"middle\">%.0f</text>\n",
            kL - 6, Y(v) + 4, v, X(h), kH - kB + 16, h);
  }
  svg +=
      Fmt("<text x=\"%.0f\" y=\"%.0f\" font-size=\"12\" text-anchor=\"middle\">pod-hours "
          "(cost)</text>\n<text transform=\"translate(18 %.0f) rotate(-90)\" font-size=\"12\" "
          "text-anchor=\"middle\">unserved demand</text>\n",
          (kL + kW - kR) / 2, kH - 16, (kT + kH - kB) / 2);
  const struct {
    Strategy strategy;
    const char* color;
    const char* label;
  } lines[] = {{Strategy::kReactive, "#d62728", "reactive, over its target utilization (u)"},
               {Strategy::kPrescale, "#1f77b4", "prescale, over its quantile (q)"}};
  double legend_y = kT + 18;
  for (const auto& line : lines) {
    std::vector<FrontierPoint> mine;
    for (const FrontierPoint& p : points)
      if (p.strategy == line.strategy) mine.push_back(p);
    std::sort(mine.begin(), mine.end(), [](const FrontierPoint& a, const FrontierPoint& b) {
      return a.pod_seconds < b.pod_seconds;
    });
    std::string path;
    for (const FrontierPoint& p : mine) {
      const double x = X(p.pod_seconds / 3600), y = Y(100 * p.unserved_fraction);
      path += Fmt("%.1f,%.1f ", x, y);
      svg +=
          Fmt("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s %s: %.3f%% "
              "unserved, %.0f pod-hours</title></circle><text x=\"%.1f\" y=\"%.1f\" "
              "font-size=\"9\" fill=\"%s\">%s</text>\n",
              x, y, line.color, StrategyName(p.strategy),
              Fmt(p.strategy == Strategy::kReactive ? "u=%.2f" : "q=%.3g", p.parameter).c_str(),
              100 * p.unserved_fraction, p.pod_seconds / 3600, x + 4, y - 4, line.color,
              Fmt(p.strategy == Strategy::kReactive ? "%.2f" : "q%.3g", p.parameter).c_str());
    }
    svg += Fmt("<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"%s\"/>\n",
               line.color, path.c_str());
    svg +=
        Fmt("<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.0f\" y2=\"%.0f\" stroke=\"%s\" "
            "stroke-width=\"2\"/><text x=\"%.0f\" y=\"%.0f\" font-size=\"12\">%s</text>\n",
            kW - kR - 330, kW - kR - 305, legend_y - 4, legend_y - 4, line.color, kW - kR - 300,
            legend_y, line.label);
    legend_y += 18;
  }
  for (const FrontierPoint& m : marks) {
    svg +=
        Fmt("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"7\" fill=\"none\" stroke=\"#000\" "
            "stroke-width=\"1.5\"><title>%s (the policy's)</title></circle>\n",
            X(m.pod_seconds / 3600), Y(100 * m.unserved_fraction), StrategyName(m.strategy));
  }
  svg +=
      Fmt("<text x=\"%.0f\" y=\"%.0f\" font-size=\"11\">circled: the policy's prescale and "
          "reactive_matched</text>\n",
          kW - kR - 330, legend_y);
  return svg + "</svg>\n";
}

}  // namespace prescale::policies
