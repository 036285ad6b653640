#include "apiserver/quantity.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <string_view>

namespace prescale::apiserver {
namespace {

constexpr int64_t kMaxMilli = std::numeric_limits<int64_t>::max();

// `value` = sign * digits * 10^exponent, from the shortest round-trip spelling of the double.
struct Decimal {
  bool negative = false;
  int64_t digits = 0;  // at most 17 significant digits
  int exponent = 0;
};

Decimal ToDecimal(double value) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  std::string_view text(buf, static_cast<size_t>(end - buf));  // e.g. "-1.25e+03"
  Decimal d;
  size_t i = 0;
  if (text[i] == '-') {
    d.negative = true;
    ++i;
  }
  int fraction_digits = 0;
  bool in_fraction = false;
  for (; i < text.size() && text[i] != 'e'; ++i) {
    if (text[i] == '.') {
      in_fraction = true;
      continue;
    }
    d.digits = d.digits * 10 + (text[i] - '0');
    if (in_fraction) ++fraction_digits;
  }
  int exp10 = 0;
  std::from_chars(text.data() + i + 1 + (text[i + 1] == '+'), text.data() + text.size(), exp10);
  d.exponent = exp10 - fraction_digits;
  return d;
}

// ceil(|d| * 1000) for positive values, trunc for negative (ceil toward +infinity), saturated.
int64_t ScaleToMilli(const Decimal& d) {
  if (d.digits == 0) return 0;
  int shift = d.exponent + 3;
  __int128 magnitude = d.digits;
  if (shift >= 0) {
    for (; shift > 0; --shift) {
      magnitude *= 10;
      if (magnitude > kMaxMilli) return kMaxMilli;
    }
    return static_cast<int64_t>(magnitude);
  }
  __int128 divisor = 1;
  for (; shift < 0 && divisor <= magnitude; ++shift) divisor *= 10;
  if (shift < 0) divisor = magnitude + 1;  // the quotient is 0 with a non-zero remainder
  const __int128 quotient = magnitude / divisor;
  const bool remainder = magnitude % divisor != 0;
  // Rounding "up" means toward +infinity: away from zero only for positive values.
  return static_cast<int64_t>(quotient + (remainder && !d.negative ? 1 : 0));
}

}  // namespace

std::optional<int64_t> MilliValue(double value) {
  if (!std::isfinite(value)) return std::nullopt;
  const Decimal d = ToDecimal(value);
  const int64_t magnitude = ScaleToMilli(d);
  return d.negative ? -magnitude : magnitude;
}

std::optional<std::string> FormatQuantity(double value) {
  const std::optional<int64_t> milli = MilliValue(value);
  if (!milli) return std::nullopt;
  if (*milli == 0) return "0";
  const bool negative = *milli < 0;
  uint64_t magnitude = negative ? static_cast<uint64_t>(-*milli) : static_cast<uint64_t>(*milli);
  std::string out = negative ? "-" : "";
  if (magnitude % 1000 != 0) return out + std::to_string(magnitude) + "m";
  magnitude /= 1000;
  static constexpr const char* kSuffixes[] = {"", "k", "M", "G", "T", "P", "E"};
  int power = 0;  // in thousands
  while (power < 6 && magnitude % 1000 == 0) {
    magnitude /= 1000;
    ++power;
  }
  return out + std::to_string(magnitude) + kSuffixes[power];
}

}  // namespace prescale::apiserver
