// Fuzzes Kubernetes label selectors: LabelSelector::Parse, Matches and ToString, as the
// external-metrics API and the KEDA scaler call them on the caller's `labelSelector`.
//
// Input: the selector on the first line; each further line "key=value" is a label of one label
// set to match (lines without '=' are keys with an empty value).
// Invariants:
// - Parse is deterministic and throws nothing; a rejection always carries a message;
// - the bounds hold: a text over kMaxSelectorBytes, or over kMaxSelectorRequirements
//   requirements, is refused as too large (and only then), with a message that does not quote it;
// - SelectorExcerpt is a prefix of the text cut at a UTF-8 boundary, at most max + "..." long;
// - requirement values are sorted and unique, (not-)equals requirements have one value;
// - the canonical string parses again, prints the same, and matches exactly as the original on
//   the input's label set and on label sets built from the selector's own keys and values;
// - Matches is the conjunction of the requirements' Matches; the empty selector matches all.
#include <algorithm>
#include <string>
#include <vector>

#include "apiserver/label_selector.h"
#include "apiserver/request_info.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using prescale::apiserver::Labels;
using prescale::apiserver::LabelSelector;
using prescale::apiserver::Requirement;
using prescale::fuzz::Printable;

Labels ParseLabels(std::string_view text) {
  Labels labels;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    const size_t eq = line.find('=');
    labels[std::string(line.substr(0, eq))] =
        eq == std::string_view::npos ? "" : std::string(line.substr(eq + 1));
    if (eol == std::string_view::npos) break;
    text.remove_prefix(eol + 1);
  }
  return labels;
}

// Label sets that exercise each requirement: each key absent, and set to each of its values and
// to a value no requirement names; plus the user's label set.
std::vector<Labels> Probes(const LabelSelector& s, const Labels& user) {
  std::vector<Labels> probes = {user, Labels{}};
  Labels all_first;
  for (const Requirement& r : s.requirements()) {
    for (const std::string& v : r.values) {
      Labels l = user;
      l[r.key] = v;
      probes.push_back(std::move(l));
    }
    Labels other = user;
    other[r.key] = "zz-not-a-listed-value";
    probes.push_back(std::move(other));
    Labels absent = user;
    absent.erase(r.key);
    probes.push_back(std::move(absent));
    all_first[r.key] = r.values.empty() ? "" : r.values.front();
  }
  probes.push_back(std::move(all_first));
  return probes;
}

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

void CheckExcerpt(std::string_view text, size_t max_bytes) {
  const std::string excerpt = prescale::apiserver::SelectorExcerpt(text, max_bytes);
  if (text.size() <= max_bytes) {
    FUZZ_CHECK(excerpt == text, "an excerpt of a short text is not the text");
    return;
  }
  FUZZ_CHECK(excerpt.size() >= 3 && excerpt.compare(excerpt.size() - 3, 3, "...") == 0,
             "a cut excerpt does not end in ...");
  const std::string_view kept = std::string_view(excerpt).substr(0, excerpt.size() - 3);
  FUZZ_CHECK(kept.size() <= max_bytes && text.substr(0, kept.size()) == kept,
             "the excerpt is not a prefix of at most max_bytes");
  FUZZ_CHECK(kept.empty() || !IsContinuationByte(text[kept.size()]),
             "the excerpt cuts inside a UTF-8 character");
  if (prescale::apiserver::IsPrintableUtf8(text))
    FUZZ_CHECK(max_bytes - kept.size() <= 3, "the excerpt of UTF-8 text lost a whole character");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto parts = prescale::fuzz::SplitLines(prescale::fuzz::AsText(data, size), 2);
  const std::string_view text = parts[0];
  const Labels labels = ParseLabels(parts[1]);

  std::string error;
  bool too_large = true;
  const std::optional<LabelSelector> selector = LabelSelector::Parse(text, &error, &too_large);
  std::string error_again;
  const std::optional<LabelSelector> again = LabelSelector::Parse(text, &error_again);
  FUZZ_CHECK(selector.has_value() == again.has_value() && error == error_again,
             "Parse is not deterministic on " + Printable(text));
  FUZZ_CHECK(!too_large || !selector, "a selector both accepted and too large");
  if (text.size() > prescale::apiserver::kMaxSelectorBytes)
    FUZZ_CHECK(too_large, "a text over kMaxSelectorBytes was not refused as too large");
  if (too_large) FUZZ_CHECK(error.size() < 200, "the too-large message quotes the text: " + error);
  CheckExcerpt(text, 64);
  CheckExcerpt(text, size % 97);
  if (!selector) {
    FUZZ_CHECK(!error.empty(), "rejected without a message: " + Printable(text));
    return 0;
  }
  FUZZ_CHECK(selector->requirements().size() <= prescale::apiserver::kMaxSelectorRequirements,
             "more requirements than kMaxSelectorRequirements were accepted");
  const std::string canonical = selector->ToString();
  FUZZ_CHECK(again->ToString() == canonical, "ToString is not deterministic");
  if (text.find_first_not_of(" \t\r\n\v\f") == std::string_view::npos)
    FUZZ_CHECK(selector->Empty(), "a blank selector has requirements: " + Printable(text));

  for (const Requirement& r : selector->requirements()) {
    FUZZ_CHECK(std::is_sorted(r.values.begin(), r.values.end()) &&
                   std::adjacent_find(r.values.begin(), r.values.end()) == r.values.end(),
               "values not sorted and unique in " + Printable(text));
    using Op = Requirement::Op;
    const bool single = r.op == Op::kEquals || r.op == Op::kDoubleEquals || r.op == Op::kNotEquals;
    const bool none = r.op == Op::kExists || r.op == Op::kDoesNotExist;
    FUZZ_CHECK(!single || r.values.size() == 1, "(not-)equals without exactly one value");
    FUZZ_CHECK(!none || r.values.empty(), "exists/does-not-exist with values");
    FUZZ_CHECK(none || single || !r.values.empty(), "in/notin without values");
  }

  // The canonical form may be a little longer than the text ("k in(a)" prints "k in (a)").
  if (canonical.size() > prescale::apiserver::kMaxSelectorBytes) return 0;
  std::string reparse_error;
  const std::optional<LabelSelector> reparsed = LabelSelector::Parse(canonical, &reparse_error);
  FUZZ_CHECK(reparsed, "the canonical form " + Printable(canonical) + " of " + Printable(text) +
                           " does not parse: " + reparse_error);
  FUZZ_CHECK(reparsed->ToString() == canonical,
             "canonical form is not a fixpoint: " + Printable(canonical) + " -> " +
                 Printable(reparsed->ToString()));

  for (const Labels& probe : Probes(*selector, labels)) {
    const bool matches = selector->Matches(probe);
    FUZZ_CHECK(selector->Matches(probe) == matches, "Matches is not deterministic");
    FUZZ_CHECK(reparsed->Matches(probe) == matches,
               "the canonical form matches differently: " + Printable(canonical));
    const bool conjunction =
        std::all_of(selector->requirements().begin(), selector->requirements().end(),
                    [&probe](const Requirement& r) { return r.Matches(probe); });
    FUZZ_CHECK(conjunction == matches, "Matches is not the conjunction of the requirements");
    if (selector->Empty()) FUZZ_CHECK(matches, "the empty selector must match everything");
  }
  return 0;
}
