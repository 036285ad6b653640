#include "adapter/cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace prescale::cli {

Progress::Progress(std::string prefix, std::string what, bool terminal,
                   std::chrono::milliseconds interval, std::ostream& out)
    : prefix_(std::move(prefix)),
      what_(std::move(what)),
      terminal_(terminal),
      interval_(interval),
      out_(out),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

bool Progress::StderrIsTerminal() { return isatty(STDERR_FILENO) == 1; }

void Progress::Update(size_t done, size_t total) {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const bool last = done >= total;
  char line[256];
  if (terminal_) {
    constexpr int kWidth = 30;
    const int filled = total > 0 ? static_cast<int>(kWidth * done / total) : kWidth;
    std::snprintf(line, sizeof line, "\r%s [%-*s] %zu/%zu %s, %.0f s%s", prefix_.c_str(), kWidth,
                  std::string(static_cast<size_t>(filled), '#').c_str(), done, total, what_.c_str(),
                  elapsed, last ? "\n" : "");
    out_ << line << std::flush;
    return;
  }
  if (!(last && printed_) && now - last_ < interval_) return;
  std::snprintf(line, sizeof line, "%s: %zu/%zu %s (%.0f s)\n", prefix_.c_str(), done, total,
                what_.c_str(), elapsed);
  out_ << line << std::flush;
  last_ = now;
  printed_ = true;
}

}  // namespace prescale::cli
