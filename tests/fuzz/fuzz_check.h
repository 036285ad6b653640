// Shared helpers of the fuzz harnesses (tests/fuzz/*_fuzzer.cc).
//
// FUZZ_CHECK(cond, what) states an invariant of the code under test. When it does not hold, it
// prints the condition, `what` and the place, then calls abort(): libFuzzer reports that as a
// crash and saves the input, and the corpus replay (replay_main.cc) fails. Always on: it does not
// depend on NDEBUG.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#define FUZZ_CHECK(cond, what)                                                         \
  do {                                                                                 \
    if (!(cond)) ::prescale::fuzz::Fail(#cond, std::string(what), __FILE__, __LINE__); \
  } while (0)

namespace prescale::fuzz {

[[noreturn]] inline void Fail(const char* cond, const std::string& what, const char* file,
                              int line) {
  std::fprintf(stderr, "%s:%d: fuzz invariant violated: %s\n  %s\n", file, line, cond,
               what.c_str());
  std::fflush(stderr);
  std::abort();
}

// The input as text (any bytes, including NUL).
inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Splits `text` at '\n' into at most `max_parts` parts; the last part keeps any further
// newlines. Missing parts are empty. Lets one input carry several fields (seeds stay readable).
inline std::vector<std::string_view> SplitLines(std::string_view text, size_t max_parts) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < max_parts) {
    const size_t eol = text.find('\n');
    if (eol == std::string_view::npos) break;
    parts.push_back(text.substr(0, eol));
    text.remove_prefix(eol + 1);
  }
  parts.push_back(text);
  parts.resize(max_parts);
  return parts;
}

// Printable form of arbitrary bytes for failure messages: non-printable bytes as \xNN.
inline std::string Printable(std::string_view s) {
  std::string out;
  for (const unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

// Percent-encodes every byte that is not an RFC 3986 unreserved character.
inline std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : s) {
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace prescale::fuzz

// Every harness defines this (libFuzzer's entry point); replay_main.cc calls it.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
