// Progress of long offline work on stderr: a bar redrawn in place when stderr is a terminal,
// otherwise a plain line at most every `interval` (and at the end), so logs stay readable.
// Not thread-safe: callers serialize Update (RunTune's progress callback is).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace prescale::cli {

class Progress {
 public:
  // `what` names the counted items, e.g. "candidates". `terminal`: draw a bar.
  Progress(std::string prefix, std::string what, bool terminal,
           std::chrono::seconds interval = std::chrono::seconds(5));
  // Whether stderr is a terminal.
  static bool StderrIsTerminal();

  void Update(size_t done, size_t total);

 private:
  std::string prefix_, what_;
  bool terminal_;
  std::chrono::seconds interval_;
  std::chrono::steady_clock::time_point start_, last_;
  bool printed_ = false;
};

}  // namespace prescale::cli
