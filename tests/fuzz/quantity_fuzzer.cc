// Fuzzes the Kubernetes Quantity encoding of served values: FormatQuantity and MilliValue.
//
// Input: a Quantity as Kubernetes writes it ("1500m", "2Ki", "1e3", "-0.5", ".5M"), read here
// by a reference parser of the resource.Quantity grammar into a double; independently, the
// first 8 bytes as the bits of a double (NaN, infinities, subnormals, extremes).
// Invariants, for each double v:
// - nullopt exactly for NaN and infinities; deterministic; no exception;
// - the string has the canonical form: "0", or an optional '-', a number without leading zero,
//   and a suffix among m, k, M, G, T, P, E that is the largest exact one;
// - the string, read back exactly, is MilliValue(v) milli-units (what the HPA reads);
// - MilliValue(v) is v * 1000 rounded up (within the shortest decimal spelling of v), or
//   +-(2^63-1) when that does not fit; it is monotonic in v;
// - a value re-read from the string formats to the same string (the encoding is a fixpoint).
#include <cmath>
#include <cstring>
#include <iterator>
#include <limits>
#include <optional>
#include <string>

#include "apiserver/quantity.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using prescale::apiserver::FormatQuantity;
using prescale::apiserver::MilliValue;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

std::string Show(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// The resource.Quantity grammar: <sign>?<digits>[.<digits>]<suffix>, the suffix one of the
// binary SI (Ki..Ei), decimal SI (n u m "" k M G T P E) or e/E<signed integer>.
std::optional<double> ParseQuantityText(std::string_view s) {
  size_t i = 0;
  std::string number;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) number += s[i++];
  size_t digits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') number += s[i++], ++digits;
  if (i < s.size() && s[i] == '.') {
    number += s[i++];
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') number += s[i++], ++digits;
  }
  if (digits == 0 || digits > 40) return std::nullopt;
  long double value = std::strtold(number.c_str(), nullptr);
  const std::string_view suffix = s.substr(i);
  static constexpr struct {
    const char* text;
    long double factor;
  } kSuffixes[] = {{"", 1},         {"n", 1e-9L},    {"u", 1e-6L},    {"m", 1e-3L},
                   {"k", 1e3L},     {"M", 1e6L},     {"G", 1e9L},     {"T", 1e12L},
                   {"P", 1e15L},    {"E", 1e18L},    {"Ki", 1024.0L}, {"Mi", 1048576.0L},
                   {"Gi", 0x1p30L}, {"Ti", 0x1p40L}, {"Pi", 0x1p50L}, {"Ei", 0x1p60L}};
  for (const auto& k : kSuffixes) {
    if (suffix == k.text) return static_cast<double>(value * k.factor);
  }
  if (suffix.size() >= 2 && (suffix[0] == 'e' || suffix[0] == 'E')) {
    std::string_view e = suffix.substr(1);
    const bool negative = e[0] == '-';
    if (e[0] == '+' || e[0] == '-') e.remove_prefix(1);
    if (e.empty() || e.size() > 4 || e.find_first_not_of("0123456789") != std::string_view::npos)
      return std::nullopt;
    const int exponent = std::stoi(std::string(e));
    return static_cast<double>(value * std::pow(10.0L, negative ? -exponent : exponent));
  }
  return std::nullopt;
}

// A canonical string read back exactly into milli-units; nullopt if it is not canonical.
std::optional<__int128> ReadCanonical(const std::string& s) {
  if (s == "0") return 0;
  size_t i = 0;
  const bool negative = !s.empty() && s[0] == '-';
  if (negative) ++i;
  const size_t first = i;
  __int128 n = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    n = n * 10 + (s[i++] - '0');
    if (i - first > 20) return std::nullopt;
  }
  if (i == first || s[first] == '0') return std::nullopt;  // no digits, or a leading zero
  const std::string suffix = s.substr(i);
  static constexpr const char* kOrder[] = {"m", "", "k", "M", "G", "T", "P", "E"};
  __int128 scale = 1;
  for (size_t k = 0; k < std::size(kOrder); ++k, scale *= 1000) {
    if (suffix != kOrder[k]) continue;
    // The largest exact suffix: a multiple of 1000 would have taken the next one.
    if (k + 1 < std::size(kOrder) && n % 1000 == 0) return std::nullopt;
    return (negative ? -n : n) * scale;
  }
  return std::nullopt;
}

void Check(double v) {
  const std::optional<std::string> text = FormatQuantity(v);
  const std::optional<int64_t> milli = MilliValue(v);
  FUZZ_CHECK(FormatQuantity(v) == text && MilliValue(v) == milli, "not deterministic");
  if (!std::isfinite(v)) {
    FUZZ_CHECK(!text && !milli, "a non-finite value was encoded: " + Show(v));
    return;
  }
  FUZZ_CHECK(text && milli, "a finite value was not encoded: " + Show(v));
  const std::optional<__int128> read = ReadCanonical(*text);
  FUZZ_CHECK(read, "not a canonical Quantity: \"" + *text + "\" for " + Show(v));
  FUZZ_CHECK(*read == *milli,
             "\"" + *text + "\" is not MilliValue " + std::to_string(*milli) + " of " + Show(v));

  // Rounding up: v * 1000 is exact in long double (53 + 10 bits of mantissa).
  const long double x = static_cast<long double>(v) * 1000;
  const long double slack =
      500 * static_cast<long double>(std::nextafter(std::fabs(v), INFINITY) - std::fabs(v));
  if (x >= static_cast<long double>(kMax)) {
    FUZZ_CHECK(*milli == kMax, "not clamped to 2^63-1: " + Show(v));
  } else if (x <= -static_cast<long double>(kMax)) {
    FUZZ_CHECK(*milli == -kMax, "not clamped to -(2^63-1): " + Show(v));
  } else {
    const long double m = static_cast<long double>(*milli);
    FUZZ_CHECK(m >= x - slack - 1e-9L && m <= x + 1 + slack,
               "MilliValue " + std::to_string(*milli) + " is not ceil(1000 * " + Show(v) + ")");
  }
  const double next = std::nextafter(v, std::numeric_limits<double>::infinity());
  if (std::isfinite(next))
    FUZZ_CHECK(*MilliValue(next) >= *milli, "MilliValue is not monotonic at " + Show(v));

  // Fixpoint: values of at most 15 significant digits round-trip through a double exactly.
  if (*milli > -1'000'000'000'000'000 && *milli < 1'000'000'000'000'000) {
    const double back = std::strtod((std::to_string(*milli) + "e-3").c_str(), nullptr);
    FUZZ_CHECK(FormatQuantity(back) == text,
               "\"" + *text + "\" re-read as " + Show(back) + " formats differently");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (const std::optional<double> v = ParseQuantityText(prescale::fuzz::AsText(data, size)))
    Check(*v);
  if (size >= sizeof(double)) {
    double bits;
    std::memcpy(&bits, data, sizeof bits);
    Check(bits);
  }
  return 0;
}
