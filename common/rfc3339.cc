#include "common/rfc3339.h"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace prescale {

std::string FormatRfc3339(double unix_seconds, bool millis) {
  // Rounding first keeps x.9996 from printing the earlier second with ".1000".
  const long long total_ms = millis ? std::llround(unix_seconds * 1000)
                                    : static_cast<long long>(std::floor(unix_seconds)) * 1000;
  const long long whole = total_ms >= 0 ? total_ms / 1000 : (total_ms - 999) / 1000;
  const int ms = static_cast<int>(total_ms - whole * 1000);
  const auto seconds = static_cast<std::time_t>(whole);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[48];
  const size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
  if (ms > 0)
    std::snprintf(buffer + n, sizeof buffer - n, ".%03dZ", ms);
  else
    std::snprintf(buffer + n, sizeof buffer - n, "Z");
  return buffer;
}

}  // namespace prescale
