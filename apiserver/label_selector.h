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

// An immutable conjunction of requirements. The empty selector matches everything. Copyable;
// safe to share between threads.
class LabelSelector {
 public:
  LabelSelector() = default;

  // Parses the grammar of apimachinery's labels.Parse: comma-separated requirements of the forms
  // `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`; keys are qualified names,
  // values label values. Anything else (including `>` and `<`) is an error: returns nullopt and
  // a message naming the problem in *error.
  static std::optional<LabelSelector> Parse(std::string_view text, std::string* error);

  bool Matches(const Labels& labels) const;
  bool Empty() const { return requirements_.empty(); }
  const std::vector<Requirement>& requirements() const { return requirements_; }

  // The canonical form Kubernetes prints: requirements sorted by key, joined by ",".
  std::string ToString() const;

 private:
  std::vector<Requirement> requirements_;
};

// Kubernetes validation of label keys and values (IsQualifiedName, IsValidLabelValue).
// Return an empty string when valid, else the reason.
std::string ValidateLabelKey(std::string_view key);
std::string ValidateLabelValue(std::string_view value);

}  // namespace prescale::apiserver
