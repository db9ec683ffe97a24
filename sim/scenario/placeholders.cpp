// SPDX-License-Identifier: GPL-2.0-only
#include "sim/scenario/placeholders.h"

#include <limits>

namespace ksmsim::scenario {

namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9') || c == '.';
}

std::string known_names(const Bindings &b) {
  std::string out;
  for (const auto &[name, value] : b.vars)
    out += (out.empty() ? "" : ", ") + name;
  for (const auto &[name, value] : b.params)
    out += (out.empty() ? "" : ", ") + ("params." + name);
  return out.empty() ? "none" : out;
}

// A recursive-descent reader of one expression.
class Expr {
public:
  Expr(std::string_view text, const Bindings &b) : s_(text), b_(b) {}

  std::string run(std::uint64_t &value) {
    skip_spaces();
    if (!sum(value))
      return error_;
    skip_spaces();
    if (pos_ != s_.size())
      return "unexpected '" + std::string(1, s_[pos_]) + "' (expected +, -, * or the end)";
    return "";
  }

private:
  void skip_spaces() {
    while (pos_ < s_.size() && s_[pos_] == ' ')
      ++pos_;
  }
  bool fail(std::string message) {
    error_ = std::move(message);
    return false;
  }
  bool sum(std::uint64_t &value) {
    if (!product(value))
      return false;
    for (skip_spaces(); pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-'); skip_spaces()) {
      bool minus = s_[pos_++] == '-';
      std::uint64_t rhs = 0;
      if (!product(rhs))
        return false;
      if (minus) {
        if (rhs > value)
          return fail(std::to_string(value) + " - " + std::to_string(rhs) + " goes below 0");
        value -= rhs;
      } else {
        if (value > kMax - rhs)
          return fail("overflows 64 bits");
        value += rhs;
      }
    }
    return true;
  }
  bool product(std::uint64_t &value) {
    if (!factor(value))
      return false;
    for (skip_spaces(); pos_ < s_.size() && s_[pos_] == '*'; skip_spaces()) {
      ++pos_;
      std::uint64_t rhs = 0;
      if (!factor(rhs))
        return false;
      if (rhs != 0 && value > kMax / rhs)
        return fail("overflows 64 bits");
      value *= rhs;
    }
    return true;
  }
  bool factor(std::uint64_t &value) {
    skip_spaces();
    if (pos_ < s_.size() && s_[pos_] == '(') {
      if (++depth_ > kMaxDepth)
        return fail("parentheses nested too deeply");
      ++pos_;
      if (!sum(value))
        return false;
      skip_spaces();
      if (pos_ >= s_.size() || s_[pos_] != ')')
        return fail("a '(' without its ')'");
      ++pos_;
      --depth_;
      return true;
    }
    if (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      value = 0;
      for (; pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9'; ++pos_) {
        unsigned d = static_cast<unsigned>(s_[pos_] - '0');
        if (value > (kMax - d) / 10)
          return fail("a number overflows 64 bits");
        value = value * 10 + d;
      }
      return true;
    }
    if (pos_ >= s_.size() || !is_name_start(s_[pos_]))
      return fail("expected a number, a repeat index, params.NAME or (");
    std::size_t start = pos_;
    while (pos_ < s_.size() && is_name_char(s_[pos_]))
      ++pos_;
    std::string name(s_.substr(start, pos_ - start));
    if (name.rfind("params.", 0) == 0) {
      auto it = b_.params.find(name.substr(7));
      if (it != b_.params.end()) {
        value = it->second;
        return true;
      }
    } else {
      // The innermost repeat's index of that name.
      for (auto it = b_.vars.rbegin(); it != b_.vars.rend(); ++it) {
        if (it->first == name) {
          value = it->second;
          return true;
        }
      }
    }
    return fail("unknown name '" + name + "' (known here: " + known_names(b_) + ")");
  }

  static constexpr int kMaxDepth = 16;
  std::string_view s_;
  const Bindings &b_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  std::string error_;
};

} // namespace

Substituted evaluate(std::string_view expr, const Bindings &b, std::uint64_t &value) {
  Substituted out;
  out.error = Expr(expr, b).run(value);
  return out;
}

Substituted substitute(std::string_view text, const Bindings &b) {
  Substituted out;
  if (!b.active) {
    out.text = text;
    return out;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      out.text += c; // {{ or }}
      ++i;
      continue;
    }
    if (c == '}') {
      out.error = "a '}' without its '{' (write }} for the character)";
      return out;
    }
    if (c != '{') {
      out.text += c;
      continue;
    }
    std::size_t close = text.find('}', i + 1);
    if (close == std::string_view::npos) {
      out.error = "a '{' without its '}' (write {{ for the character)";
      return out;
    }
    std::string_view expr = text.substr(i + 1, close - i - 1);
    std::uint64_t value = 0;
    Substituted e = evaluate(expr, b, value);
    if (!e.error.empty()) {
      out.error = "placeholder '{" + std::string(expr) + "}': " + e.error;
      return out;
    }
    out.text += std::to_string(value);
    i = close;
  }
  return out;
}

} // namespace ksmsim::scenario
