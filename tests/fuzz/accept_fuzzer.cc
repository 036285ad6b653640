// Fuzzes Accept-header negotiation: AcceptsJson, which decides between a JSON answer and 406.
//
// Input: the header value.
// Invariants:
// - deterministic, throws nothing; the empty header admits JSON;
// - media types compare case-insensitively (ASCII upper-casing does not change the answer);
// - adding a media range to a non-empty list never withdraws JSON (append or prepend).
#include <algorithm>
#include <string>

#include "apiserver/request_info.h"
#include "tests/fuzz/fuzz_check.h"

using prescale::apiserver::AcceptsJson;
using prescale::fuzz::Printable;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view accept = prescale::fuzz::AsText(data, size);
  const bool json = AcceptsJson(accept);
  FUZZ_CHECK(AcceptsJson(accept) == json, "not deterministic: " + Printable(accept));
  if (accept.empty()) FUZZ_CHECK(json, "the empty Accept header must admit JSON");

  std::string upper(accept);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; });
  FUZZ_CHECK(AcceptsJson(upper) == json, "case changes the answer: " + Printable(accept));

  if (json && !accept.empty()) {
    FUZZ_CHECK(AcceptsJson(std::string(accept) + ", text/html"),
               "an appended media range withdrew JSON: " + Printable(accept));
    FUZZ_CHECK(AcceptsJson("text/html, " + std::string(accept)),
               "a prepended media range withdrew JSON: " + Printable(accept));
  }
  return 0;
}
