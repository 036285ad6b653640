// Kubernetes label selectors (apimachinery pkg/labels): parsing the `labelSelector` query
// parameter, matching label sets, and printing the canonical string.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace prescale::apiserver {

// A series' labels. Sorted by key; keys unique.
using Labels = std::map<std::string, std::string, std::less<>>;

struct Requirement {
  enum class Op { kEquals, kDoubleEquals, kNotEquals, kIn, kNotIn, kExists, kDoesNotExist };
  std::string key;
  Op op = Op::kExists;
  std::vector<std::string> values;  // sorted, unique; one value for the (not-)equals forms

  bool Matches(const Labels& labels) const;
};

// The bounds of a selector a client may send (HTTP `labelSelector`, KEDA `labelSelector`): its
// parse and its match against every served series cost in proportion to them.
inline constexpr size_t kMaxSelectorBytes = 4096;
inline constexpr size_t kMaxSelectorRequirements = 100;

// An immutable conjunction of requirements. The empty selector matches everything. Copyable;
// safe to share between threads.
class LabelSelector {
 public:
  LabelSelector() = default;

  // Parses the grammar of apimachinery's labels.Parse: comma-separated requirements of the forms
  // `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`; keys are qualified names,
  // values label values. Anything else (including `>` and `<`) is an error: returns nullopt and
  // a message naming the problem in *error. A text longer than kMaxSelectorBytes, or with more
  // than kMaxSelectorRequirements requirements, is refused before any further work, with
  // *too_large (when not null) set to true (false for every other outcome); its message does not
  // quote the text.
  static std::optional<LabelSelector> Parse(std::string_view text, std::string* error,
                                            bool* too_large = nullptr);

  bool Matches(const Labels& labels) const;
  bool Empty() const { return requirements_.empty(); }
  const std::vector<Requirement>& requirements() const { return requirements_; }

  // The canonical form Kubernetes prints: requirements sorted by key, joined by ",".
  std::string ToString() const;

 private:
  std::vector<Requirement> requirements_;
};

// At most the first `max_bytes` bytes of `text`, cut at a UTF-8 character boundary, with "..."
// appended when cut: what an error message may quote of a client's selector.
std::string SelectorExcerpt(std::string_view text, size_t max_bytes = 64);

// Kubernetes validation of label keys and values (IsQualifiedName, IsValidLabelValue).
// Return an empty string when valid, else the reason.
std::string ValidateLabelKey(std::string_view key);
std::string ValidateLabelValue(std::string_view value);

}  // namespace prescale::apiserver
