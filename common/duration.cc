#include "common/duration.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <limits>

namespace prescale {
namespace {

struct Unit {
  std::string_view suffix;
  int64_t millis;
};

// Longest suffix first so "ms" is not read as "m" followed by garbage.
constexpr std::array<Unit, 7> kUnits = {{{"ms", 1},
                                         {"y", 365LL * 24 * 3600 * 1000},
                                         {"w", 7LL * 24 * 3600 * 1000},
                                         {"d", 24LL * 3600 * 1000},
                                         {"h", 3600LL * 1000},
                                         {"m", 60LL * 1000},
                                         {"s", 1000}}};

int UnitRank(int64_t millis) {
  // Larger units must come first in a compound duration.
  switch (millis) {
    case 365LL * 24 * 3600 * 1000:
      return 0;
    case 7LL * 24 * 3600 * 1000:
      return 1;
    case 24LL * 3600 * 1000:
      return 2;
    case 3600LL * 1000:
      return 3;
    case 60LL * 1000:
      return 4;
    case 1000:
      return 5;
    default:
      return 6;
  }
}

bool Fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return false;
}

}  // namespace

std::optional<Duration> ParseDuration(std::string_view text, std::string* error) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  if (text.empty()) {
    Fail(error, "empty duration");
    return std::nullopt;
  }
  if (text == "0") return Duration::zero();
  int64_t total = 0;
  int last_rank = -1;
  size_t pos = 0;
  while (pos < text.size()) {
    int64_t number = 0;
    const char* begin = text.data() + pos;
    if (*begin < '0' || *begin > '9') {
      Fail(error, "invalid duration " + quoted + ": expected a number such as 15s, 5m or 1h30m");
      return std::nullopt;
    }
    auto [end, ec] = std::from_chars(begin, text.data() + text.size(), number);
    if (ec != std::errc() || end == begin) {
      Fail(error, "invalid duration " + quoted + ": expected a number such as 15s, 5m or 1h30m");
      return std::nullopt;
    }
    pos = static_cast<size_t>(end - text.data());
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (text.substr(pos, u.suffix.size()) == u.suffix) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) {
      Fail(error, "invalid duration " + quoted + ": unit must be one of ms, s, m, h, d, w, y");
      return std::nullopt;
    }
    pos += unit->suffix.size();
    const int rank = UnitRank(unit->millis);
    if (rank <= last_rank) {
      Fail(error, "invalid duration " + quoted + ": units must go from largest to smallest");
      return std::nullopt;
    }
    last_rank = rank;
    if (number > (std::numeric_limits<int64_t>::max() - total) / unit->millis) {
      Fail(error, "duration " + quoted + " is too large");
      return std::nullopt;
    }
    total += number * unit->millis;
  }
  return Duration(total);
}

std::string FormatDuration(Duration d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  for (const Unit& u : {kUnits[1], kUnits[2], kUnits[3], kUnits[4], kUnits[5], kUnits[6]}) {
    if (ms >= u.millis) {
      out += std::to_string(ms / u.millis);
      out += u.suffix;
      ms %= u.millis;
    }
  }
  if (ms > 0) out += std::to_string(ms) + "ms";
  return out;
}

}  // namespace prescale
