// Writes the scale scenario's history as OpenMetrics for `promtool tsdb create-blocks-from
// openmetrics`, fast: counters orders_total{book="b<P>",instrument="i<NNNN>"} for P policies
// (books) x N instruments, one sample per step over [end - hours, end], timestamps in seconds.
// One file per 2-hour block window (DIR/<window start>.om): promtool re-reads its whole input for
// each block it writes, so one file per window keeps the backfill linear. DIR/state.tsv gets END
// on its first line, then per series: labels, counter value at END, base, phase.
//
// Each series' rate (orders/s) is base * (1 + 0.6 sin(2 pi t / 1 day + phase)) plus bounded
// noise from a per-series xorshift generator: deterministic for the same arguments.
//
// usage: openmetrics_gen DIR END_UNIX [HOURS=24] [BOOKS=10] [INSTRUMENTS=1000] [STEP=15]
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

struct Series {
  std::string prefix;  // `orders_total{...} `
  double base = 0;
  double phase = 0;
  uint64_t rng = 0;
  uint64_t total = 0;
};

uint64_t Next(uint64_t& s) {
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return s;
}

double Uniform(uint64_t& s) { return static_cast<double>(Next(s) >> 11) * 0x1.0p-53; }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: %s DIR END_UNIX [HOURS=24] [BOOKS=10] [INSTRUMENTS=1000] [STEP=15]\n",
                 argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const int64_t step = argc > 6 ? std::atoll(argv[6]) : 15;
  const int64_t end = std::atoll(argv[2]) / step * step;
  const int64_t hours = argc > 3 ? std::atoll(argv[3]) : 24;
  const int books = argc > 4 ? std::atoi(argv[4]) : 10;
  const int instruments = argc > 5 ? std::atoi(argv[5]) : 1000;
  const int64_t start = end - hours * 3600;
  const int64_t kWindow = 7200;

  std::vector<Series> series;
  for (int b = 0; b < books; ++b) {
    for (int i = 0; i < instruments; ++i) {
      Series s;
      char label[96];
      std::snprintf(label, sizeof label, "orders_total{book=\"b%d\",instrument=\"i%04d\"} ", b, i);
      s.prefix = label;
      s.rng = 0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(b * instruments + i + 1);
      s.base = 5 + 500 * Uniform(s.rng) * Uniform(s.rng);
      s.phase = 6.283185307179586 * Uniform(s.rng);
      series.push_back(std::move(s));
    }
  }

  std::vector<char> buffer(1 << 22);
  for (int64_t w = start - start % kWindow; w <= end; w += kWindow) {
    int64_t from = std::max(start, w), to = std::min(end, w + kWindow - 1);
    if (from > to) continue;
    std::string path = dir + "/" + std::to_string(w) + ".om";
    FILE* out = std::fopen(path.c_str(), "w");
    if (out == nullptr) {
      std::perror(path.c_str());
      return 1;
    }
    std::fputs("# TYPE orders counter\n", out);
    size_t used = 0;
    for (Series& s : series) {
      const int64_t first = start + (from - start + step - 1) / step * step;
      for (int64_t t = first; t <= to; t += step) {
        double rate =
            s.base *
            (1 + 0.6 * std::sin(6.283185307179586 * static_cast<double>(t % 86400) / 86400.0 +
                                s.phase));
        rate *= 0.8 + 0.4 * Uniform(s.rng);
        s.total += static_cast<uint64_t>(rate * static_cast<double>(step));
        if (used + 128 > buffer.size()) {
          std::fwrite(buffer.data(), 1, used, out);
          used = 0;
        }
        char* p = buffer.data() + used;
        std::copy(s.prefix.begin(), s.prefix.end(), p);
        p += s.prefix.size();
        p = std::to_chars(p, p + 24, s.total).ptr;
        *p++ = ' ';
        p = std::to_chars(p, p + 24, t).ptr;
        *p++ = '\n';
        used = static_cast<size_t>(p - buffer.data());
      }
    }
    std::fwrite(buffer.data(), 1, used, out);
    std::fputs("# EOF\n", out);
    if (std::fclose(out) != 0) {
      std::perror(path.c_str());
      return 1;
    }
  }
  // The state at `end`, for bench/scale/live_exporter.py to continue each counter from.
  std::string state_path = dir + "/state.tsv";
  FILE* state = std::fopen(state_path.c_str(), "w");
  if (state == nullptr) {
    std::perror(state_path.c_str());
    return 1;
  }
  std::fprintf(state, "%lld\n", static_cast<long long>(end));
  for (const Series& s : series) {
    std::string labels = s.prefix.substr(s.prefix.find('{'));
    labels.pop_back();  // the trailing space
    std::fprintf(state, "%s\t%llu\t%.17g\t%.17g\n", labels.c_str(),
                 static_cast<unsigned long long>(s.total), s.base, s.phase);
  }
  return std::fclose(state) == 0 ? 0 : 1;
}
