// Progress of long offline work on stderr: a bar redrawn in place when stderr is a terminal,
// otherwise a plain line once `interval` has passed and then at most every `interval` (and a
// last one at the end), so logs stay readable and quick work prints nothing.
// Not thread-safe: callers serialize Update (RunTune's progress callback is).
#pragma once

#include <chrono>
#include <cstddef>
#include <iostream>
#include <string>

namespace prescale::cli {

class Progress {
 public:
  // `what` follows the counts, e.g. "candidates evaluated". `terminal`: draw a bar.
  Progress(std::string prefix, std::string what, bool terminal,
           std::chrono::milliseconds interval = std::chrono::seconds(5),
           std::ostream& out = std::cerr);
  // Whether stderr is a terminal.
  static bool StderrIsTerminal();

  void Update(size_t done, size_t total);

 private:
  std::string prefix_, what_;
  bool terminal_;
  std::chrono::milliseconds interval_;
  std::ostream& out_;
  std::chrono::steady_clock::time_point start_, last_;
  bool printed_ = false;
};

}  // namespace prescale::cli
