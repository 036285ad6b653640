#include "policies/backtest/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

namespace prescale::policies {
namespace {

constexpr double kWidth = 1200;
constexpr double kLeft = 70, kRight = 20;
// Indexed by Strategy: reactive, seasonal_naive, prescale, oracle, reactive_matched,
// perfect_forecast.
constexpr const char* kColors[kStrategyCount] = {"#d62728", "#ff7f0e", "#1f77b4",
                                                 "#2ca02c", "#8c564b", "#9467bd"};
constexpr const char* kDash[kStrategyCount] = {"",
                                               "",
                                               "",
                                               " stroke-dasharray=\"5,3\"",
                                               " stroke-dasharray=\"6,2\"",
                                               " stroke-dasharray=\"2,2\""};

std::string Fmt(const char* fmt, auto... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c == '"')
      out += "&quot;";
    else
      out += c;
  }
  return out;
}

std::string UtcLabel(double unix, bool with_seconds) {
  const auto t = static_cast<std::time_t>(std::floor(unix));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, with_seconds ? "%H:%M:%S" : "%a %m-%d %H:%M", &tm);
  return buf;
}

// One panel: seconds [from, to) of the run, drawn in a box at vertical offset `top`.
class Panel {
 public:
  Panel(const BacktestResult& r, const forecasting::Trace& trace, int64_t from, int64_t to,
        double top, double height)
      : r_(r), trace_(trace), from_(from), to_(std::max(to, from + 1)), top_(top), height_(height) {
    columns_ = static_cast<int>(std::min<int64_t>(to_ - from_, kWidth - kLeft - kRight));
    y_max_ = 1e-9;
    for (int64_t s = from_; s < to_; ++s) y_max_ = std::max(y_max_, Demand(s));
    for (int k = 0; k < kStrategyCount; ++k) {
      if (r_.ready[k].empty()) continue;
      for (int64_t s = from_; s < to_; ++s) y_max_ = std::max(y_max_, Capacity(k, s));
    }
    y_max_ *= 1.05;
  }

  std::string Render(const std::string& caption) const {
    std::string out =
        Fmt("<g>\n<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" "
            "fill=\"#fff\" stroke=\"#999\"/>\n",
            kLeft, top_, kWidth - kLeft - kRight, height_);
    out += Fmt("<text x=\"%.0f\" y=\"%.0f\" font-size=\"13\" font-weight=\"bold\">%s</text>\n",
               kLeft, top_ - 8, Escape(caption).c_str());
    out += Axes();
    out += DemandArea();
    for (int k = 0; k < kStrategyCount; ++k) {
      if (!r_.ready[k].empty()) out += CapacityLine(k);
    }
    out += SpikeMarks();
    return out + "</g>\n";
  }

 private:
  double Demand(int64_t s) const {
    const auto i = static_cast<size_t>(static_cast<double>(s) / trace_.step_seconds);
    return trace_.values[std::min(i, trace_.values.size() - 1)];
  }
  double Capacity(int k, int64_t s) const { return r_.ready[k][s] * r_.capacity_per_pod; }
  double X(double s) const {
    return kLeft + (s - static_cast<double>(from_)) / static_cast<double>(to_ - from_) *
                       (kWidth - kLeft - kRight);
  }
  double Y(double v) const { return top_ + height_ - v / y_max_ * height_; }
  // Seconds covered by pixel column c.
  std::pair<int64_t, int64_t> Column(int c) const {
    const int64_t n = to_ - from_;
    return {from_ + n * c / columns_, from_ + n * (c + 1) / columns_};
  }

  std::string Axes() const {
    std::string out;
    for (int i = 0; i <= 4; ++i) {
      const double v = y_max_ / 1.05 * i / 4;
      out +=
          Fmt("<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
              "<text x=\"%.0f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%.4g</text>\n",
              kLeft, kWidth - kRight, Y(v), Y(v), kLeft - 4, Y(v) + 3, v);
    }
    out +=
        Fmt("<text transform=\"translate(14 %.0f) rotate(-90)\" font-size=\"11\" "
            "text-anchor=\"middle\">demand per bucket</text>\n",
            top_ + height_ / 2);
    const bool short_span = to_ - from_ <= 6 * 3600;
    for (int i = 0; i <= 6; ++i) {
      const double s = static_cast<double>(from_) + static_cast<double>(to_ - from_) * i / 6;
      out += Fmt("<text x=\"%.1f\" y=\"%.0f\" font-size=\"10\" text-anchor=\"middle\">%s</text>\n",
                 X(s), top_ + height_ + 14, UtcLabel(trace_.start_unix + s, short_span).c_str());
    }
    return out;
  }

  // Demand: the maximum of each pixel column, so that no spike disappears.
  std::string DemandArea() const {
    std::vector<double> levels;
    for (int c = 0; c < columns_; ++c) {
      const auto [a, b] = Column(c);
      double v = 0;
      for (int64_t s = a; s < b; ++s) v = std::max(v, Demand(s));
      levels.push_back(v);
    }
    return "<polygon fill=\"#bbb\" fill-opacity=\"0.6\" stroke=\"none\" points=\"" +
           Fmt("%.1f,%.1f ", X(static_cast<double>(from_)), Y(0)) + StepPoints(levels) +
           Fmt(" %.1f,%.1f", X(static_cast<double>(to_)), Y(0)) + "\"/>\n";
  }

  // Ready capacity: the minimum of each pixel column, so that no shortfall disappears.
  std::string CapacityLine(int k) const {
    std::vector<double> levels;
    for (int c = 0; c < columns_; ++c) {
      const auto [a, b] = Column(c);
      double v = Capacity(k, a);
      for (int64_t s = a; s < b; ++s) v = std::min(v, Capacity(k, s));
      levels.push_back(v);
    }
    return Fmt("<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.3\"%s points=\"", kColors[k],
               kDash[k]) +
           StepPoints(levels) + "\"/>\n";
  }

  // A step line through one level per pixel column, with a vertex only where the level changes.
  std::string StepPoints(const std::vector<double>& levels) const {
    std::string points;
    for (size_t c = 0; c < levels.size(); ++c) {
      if (c > 0 && levels[c] == levels[c - 1]) continue;
      const double x = X(static_cast<double>(Column(static_cast<int>(c)).first));
      if (c > 0) points += Fmt("%.1f,%.1f ", x, Y(levels[c - 1]));
      points += Fmt("%.1f,%.1f ", x, Y(levels[c]));
    }
    if (!levels.empty()) points += Fmt("%.1f,%.1f", X(static_cast<double>(to_)), Y(levels.back()));
    return points;
  }

  std::string SpikeMarks() const {
    std::string out;
    for (const SpikeResult& spike : r_.spikes) {
      const double s = spike.onset_unix - trace_.start_unix;
      if (s < static_cast<double>(from_) || s >= static_cast<double>(to_)) continue;
      const auto& lead = spike.lead_seconds[static_cast<int>(Strategy::kPrescale)];
      const bool ready = lead && *lead >= 0;
      out +=
          Fmt("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.0f\" y2=\"%.0f\" stroke=\"#555\" "
              "stroke-dasharray=\"2,3\"/>"
              "<path d=\"M%.1f %.0f l-5 -9 h10 z\" fill=\"%s\" stroke=\"#1f77b4\">"
              "<title>spike at %s UTC, %d pods; prescale lead %s</title></path>\n",
              X(s), X(s), top_, top_ + height_, X(s), top_, ready ? "#1f77b4" : "#fff",
              UtcLabel(spike.onset_unix, true).c_str(), spike.required,
              lead ? Fmt("%+llds", static_cast<long long>(*lead)).c_str() : "missed");
    }
    return out;
  }

  const BacktestResult& r_;
  const forecasting::Trace& trace_;
  int64_t from_, to_;
  double top_, height_;
  int columns_ = 1;
  double y_max_ = 1;
};

std::string Legend(const BacktestResult& r, double top) {
  std::string out;
  double x = kLeft;
  out +=
      Fmt("<rect x=\"%.0f\" y=\"%.0f\" width=\"14\" height=\"10\" fill=\"#bbb\"/>"
          "<text x=\"%.0f\" y=\"%.0f\" font-size=\"12\">demand; ready capacity of</text>\n",
          x, top - 9, x + 18, top);
  x += 185;
  for (int k = 0; k < kStrategyCount; ++k) {
    if (!r.ran(static_cast<Strategy>(k))) continue;
    out +=
        Fmt("<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.0f\" y2=\"%.0f\" stroke=\"%s\" "
            "stroke-width=\"2\"%s/><text x=\"%.0f\" y=\"%.0f\" font-size=\"12\">%s</text>\n",
            x, x + 20, top - 4, top - 4, kColors[k], kDash[k], x + 24, top,
            StrategyName(static_cast<Strategy>(k)));
    x += 36 + 6.8 * static_cast<double>(std::string(StrategyName(static_cast<Strategy>(k))).size());
  }
  out +=
      Fmt("<path d=\"M%.0f %.0f l-5 -9 h10 z\" fill=\"#1f77b4\" stroke=\"#1f77b4\"/>"
          "<text x=\"%.0f\" y=\"%.0f\" font-size=\"12\">spike onset (hollow: prescale "
          "late)</text>\n",
          x + 5, top + 1, x + 14, top);
  return out;
}

}  // namespace

std::string RenderBacktestSvg(const BacktestResult& r, const forecasting::Trace& trace,
                              const std::string& title) {
  const double height = 782;
  std::string out =
      Fmt("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
          "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\">\n"
          "<rect width=\"100%%\" height=\"100%%\" fill=\"#fafafa\"/>\n",
          kWidth, height, kWidth, height);
  out += Fmt("<text x=\"%.0f\" y=\"24\" font-size=\"16\" font-weight=\"bold\">%s</text>\n", kLeft,
             Escape(title).c_str());
  for (int k = 0, shown = 0; k < kStrategyCount; ++k) {
    if (!r.ran(static_cast<Strategy>(k))) continue;
    const StrategyResult& s = *r.strategies[k];
    const std::string line =
        Fmt("%s: %.2f%% of demand unserved, %.0f pod-hours, ready before %d of %zu spikes",
            StrategyName(static_cast<Strategy>(k)), 100 * s.unserved_fraction, s.pod_seconds / 3600,
            s.spikes_ready_before_onset, r.spikes.size());
    out +=
        Fmt("<text x=\"%.0f\" y=\"%.0f\" font-size=\"11\" fill=\"%s\">%s</text>\n",
            kLeft + (shown % 2) * 560, 42.0 + (shown / 2) * 14, kColors[k], Escape(line).c_str());
    ++shown;
  }
  if (r.equal_cost_advantage) {
    out +=
        Fmt("<text x=\"%.0f\" y=\"%.0f\" font-size=\"11\">equal-cost advantage %.2f: "
            "reactive_matched (the same pod-hours as prescale) leaves %.2fx prescale's unserved "
            "demand</text>\n",
            kLeft, 42.0 + 3 * 14, *r.equal_cost_advantage, *r.equal_cost_advantage);
  }
  out += Legend(r, 112);
  if (r.ready[0].empty()) return out + "</svg>\n";

  out += Panel(r, trace, 0, r.seconds, 142, 310)
             .Render("Whole trace (UTC); per pixel column: demand max, capacity min");
  // Zoom on the steepest spike (the largest jump in required pods; the first of equals), 15
  // minutes either side.
  const SpikeResult* biggest = nullptr;
  for (const SpikeResult& s : r.spikes) {
    if (biggest == nullptr ||
        s.required - s.required_before > biggest->required - biggest->required_before)
      biggest = &s;
  }
  if (biggest != nullptr) {
    const auto onset = static_cast<int64_t>(biggest->onset_unix - trace.start_unix);
    out += Panel(r, trace, std::max<int64_t>(0, onset - 900), std::min(r.seconds, onset + 900), 502,
                 240)
               .Render("Zoom: the steepest spike, " + UtcLabel(biggest->onset_unix, false) +
                       " UTC, +/- 15 min, per second");
  }
  return out + "</svg>\n";
}

}  // namespace prescale::policies
