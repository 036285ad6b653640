#include "apiserver/label_selector.h"

#include <algorithm>
#include <cctype>

namespace prescale::apiserver {
namespace {

bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])? of at most 63 characters.
bool IsQualifiedNamePart(std::string_view s) {
  if (s.empty() || s.size() > 63 || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return IsAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

// A DNS-1123 subdomain: lowercase alphanumerics, '-' and '.', at most 253 characters.
bool IsDnsSubdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t dot = s.find('.', start);
    const std::string_view label =
        s.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    for (char c : label) {
      if (!(std::islower(static_cast<unsigned char>(c)) ||
            std::isdigit(static_cast<unsigned char>(c)) || c == '-'))
        return false;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

// Tokens of the selector grammar (apimachinery labels/selector.go lexer).
enum class Tok {
  kEnd,
  kIdent,
  kComma,
  kOpenPar,
  kClosePar,
  kEq,
  kDoubleEq,
  kNotEq,
  kBang,
  kGt,
  kLt,
  kIn,
  kNotIn
};

struct Token {
  Tok type;
  std::string text;
};

bool IsSpecial(char c) {
  return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

std::vector<Token> Lex(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (IsSpecial(c)) {
      if (c == '=' && i + 1 < s.size() && s[i + 1] == '=') {
        out.push_back({Tok::kDoubleEq, "=="});
        i += 2;
      } else if (c == '!' && i + 1 < s.size() && s[i + 1] == '=') {
        out.push_back({Tok::kNotEq, "!="});
        i += 2;
      } else {
        const Tok t = c == '='   ? Tok::kEq
                      : c == '!' ? Tok::kBang
                      : c == '(' ? Tok::kOpenPar
                      : c == ')' ? Tok::kClosePar
                      : c == ',' ? Tok::kComma
                      : c == '>' ? Tok::kGt
                                 : Tok::kLt;
        out.push_back({t, std::string(1, c)});
        ++i;
      }
      continue;
    }
    size_t j = i;
    while (j < s.size() && !IsSpecial(s[j]) && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
    std::string word(s.substr(i, j - i));
    const Tok t = word == "in" ? Tok::kIn : word == "notin" ? Tok::kNotIn : Tok::kIdent;
    out.push_back({t, std::move(word)});
    i = j;
  }
  out.push_back({Tok::kEnd, ""});
  return out;
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, std::string* error) : t_(std::move(tokens)), error_(error) {}

  bool Parse(std::vector<Requirement>* out, bool* too_large) {
    if (Peek().type == Tok::kEnd) return true;
    while (true) {
      if (out->size() == kMaxSelectorRequirements) {
        *too_large = true;
        return Fail("more than " + std::to_string(kMaxSelectorRequirements) +
                    " requirements in the label selector");
      }
      Requirement r;
      if (!ParseRequirement(&r)) return false;
      out->push_back(std::move(r));
      const Token& next = Next();
      if (next.type == Tok::kEnd) return true;
      if (next.type != Tok::kComma)
        return Fail("expected ',' or end of selector, found '" + SelectorExcerpt(next.text) + "'");
      if (Peek().type == Tok::kEnd) return Fail("expected a requirement after ','");
    }
  }

 private:
  const Token& Peek() const { return t_[pos_]; }
  const Token& Next() { return t_[pos_ < t_.size() - 1 ? pos_++ : pos_]; }

  bool Fail(std::string message) {
    if (error_) *error_ = std::move(message);
    return false;
  }

  bool ParseKey(std::string* key) {
    const Token& t = Next();
    if (t.type != Tok::kIdent)
      return Fail("expected a label key, found '" + SelectorExcerpt(t.text) + "'");
    if (std::string why = ValidateLabelKey(t.text); !why.empty()) return Fail(why);
    *key = t.text;
    return true;
  }

  bool ParseValue(std::string* value) {
    if (Peek().type == Tok::kIdent) {
      *value = Next().text;
    } else if (Peek().type == Tok::kIn || Peek().type == Tok::kNotIn) {
      *value = Next().text;  // "in" is a valid label value
    } else {
      value->clear();  // k= and k in (a,) allow the empty value
    }
    if (std::string why = ValidateLabelValue(*value); !why.empty()) return Fail(why);
    return true;
  }

  bool ParseSet(std::vector<std::string>* values) {
    if (Next().type != Tok::kOpenPar) return Fail("expected '(' after 'in' or 'notin'");
    if (Peek().type == Tok::kClosePar) {  // "()" is the set of the empty value (apimachinery)
      Next();
      values->push_back("");
      return true;
    }
    while (true) {
      std::string v;
      if (!ParseValue(&v)) return false;
      values->push_back(std::move(v));
      const Token& t = Next();
      if (t.type == Tok::kClosePar) break;
      if (t.type != Tok::kComma)
        return Fail("expected ',' or ')' in value set, found '" + SelectorExcerpt(t.text) + "'");
    }
    std::sort(values->begin(), values->end());
    values->erase(std::unique(values->begin(), values->end()), values->end());
    return true;
  }

  bool ParseRequirement(Requirement* r) {
    if (Peek().type == Tok::kBang) {
      Next();
      r->op = Requirement::Op::kDoesNotExist;
      return ParseKey(&r->key);
    }
    if (!ParseKey(&r->key)) return false;
    const Token& op = Peek();
    switch (op.type) {
      case Tok::kEnd:
      case Tok::kComma:
        r->op = Requirement::Op::kExists;
        return true;
      case Tok::kEq:
      case Tok::kDoubleEq:
      case Tok::kNotEq: {
        Next();
        r->op = op.type == Tok::kEq         ? Requirement::Op::kEquals
                : op.type == Tok::kDoubleEq ? Requirement::Op::kDoubleEquals
                                            : Requirement::Op::kNotEquals;
        std::string v;
        if (!ParseValue(&v)) return false;
        r->values.push_back(std::move(v));
        return true;
      }
      case Tok::kIn:
      case Tok::kNotIn:
        Next();
        r->op = op.type == Tok::kIn ? Requirement::Op::kIn : Requirement::Op::kNotIn;
        return ParseSet(&r->values);
      case Tok::kGt:
      case Tok::kLt:
        return Fail("operator '" + op.text + "' is not supported for external metrics");
      default:
        return Fail("expected an operator (=, ==, !=, in, notin) after '" + r->key + "', found '" +
                    SelectorExcerpt(op.text) + "'");
    }
  }

  std::vector<Token> t_;
  size_t pos_ = 0;
  std::string* error_;
};

}  // namespace

std::string SelectorExcerpt(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t end = max_bytes;
  // Back up over continuation bytes (10xxxxxx) so no character is cut in two.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "...";
}

std::string ValidateLabelKey(std::string_view key) {
  const std::string quoted = "invalid label key \"" + SelectorExcerpt(key) + "\": ";
  const size_t slash = key.find('/');
  std::string_view name = key;
  if (slash != std::string_view::npos) {
    if (!IsDnsSubdomain(key.substr(0, slash)))
      return quoted + "prefix part must be a DNS-1123 subdomain";
    name = key.substr(slash + 1);
  }
  if (!IsQualifiedNamePart(name))
    return quoted +
           "name part must be at most 63 characters of alphanumerics, '-', '_' or '.', starting "
           "and ending with an alphanumeric character";
  return "";
}

std::string ValidateLabelValue(std::string_view value) {
  if (value.empty() || IsQualifiedNamePart(value)) return "";
  return "invalid label value \"" + SelectorExcerpt(value) +
         "\": must be empty or at most 63 characters of alphanumerics, '-', '_' or '.', starting "
         "and ending with an alphanumeric character";
}

bool Requirement::Matches(const Labels& labels) const {
  const auto it = labels.find(key);
  const bool has = it != labels.end();
  switch (op) {
    case Op::kExists:
      return has;
    case Op::kDoesNotExist:
      return !has;
    case Op::kEquals:
    case Op::kDoubleEquals:
    case Op::kIn:
      return has && std::binary_search(values.begin(), values.end(), it->second);
    case Op::kNotEquals:
    case Op::kNotIn:
      return !has || !std::binary_search(values.begin(), values.end(), it->second);
  }
  return false;
}

std::optional<LabelSelector> LabelSelector::Parse(std::string_view text, std::string* error,
                                                  bool* too_large) {
  bool large = false;
  if (too_large) *too_large = false;
  if (text.size() > kMaxSelectorBytes) {
    if (error)
      *error = "the label selector is " + std::to_string(text.size()) + " bytes, more than " +
               std::to_string(kMaxSelectorBytes);
    if (too_large) *too_large = true;
    return std::nullopt;
  }
  LabelSelector selector;
  Parser parser(Lex(text), error);
  const bool ok = parser.Parse(&selector.requirements_, &large);
  if (too_large) *too_large = large;
  if (!ok) return std::nullopt;
  std::stable_sort(selector.requirements_.begin(), selector.requirements_.end(),
                   [](const Requirement& a, const Requirement& b) { return a.key < b.key; });
  return selector;
}

bool LabelSelector::Matches(const Labels& labels) const {
  return std::all_of(requirements_.begin(), requirements_.end(),
                     [&labels](const Requirement& r) { return r.Matches(labels); });
}

std::string LabelSelector::ToString() const {
  std::string out;
  for (const Requirement& r : requirements_) {
    if (!out.empty()) out += ',';
    using Op = Requirement::Op;
    if (r.op == Op::kDoesNotExist) out += '!';
    out += r.key;
    switch (r.op) {
      case Op::kEquals:
        out += "=" + r.values[0];
        break;
      case Op::kDoubleEquals:
        out += "==" + r.values[0];
        break;
      case Op::kNotEquals:
        out += "!=" + r.values[0];
        break;
      case Op::kIn:
      case Op::kNotIn: {
        out += r.op == Op::kIn ? " in (" : " notin (";
        for (size_t i = 0; i < r.values.size(); ++i) out += (i ? "," : "") + r.values[i];
        out += ')';
        break;
      }
      default:
        break;
    }
  }
  return out;
}

}  // namespace prescale::apiserver
