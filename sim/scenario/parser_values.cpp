// SPDX-License-Identifier: GPL-2.0-only
//
// Text helpers and the scalar readers of the scenario parser: each value
// read as its key says, or a ScenarioError at its line and column.

#include "sim/scenario/parser.h"

#include <algorithm>

namespace ksmsim::scenario::detail {

bool contains(KeyList list, std::string_view s) {
  for (std::string_view item : list) {
    if (item == s) {
      return true;
    }
  }
  return false;
}

std::string join(KeyList list) {
  std::string out;
  for (std::string_view item : list) {
    if (!out.empty()) {
      out += ", ";
    }
    out += item;
  }
  return out;
}

std::string quote(std::string_view s) {
  return "'" + std::string(s) + "'";
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

int digit_value(char c, unsigned base) {
  int v = -1;
  if (c >= '0' && c <= '9') {
    v = c - '0';
  } else if (c >= 'a' && c <= 'f') {
    v = c - 'a' + 10;
  } else if (c >= 'A' && c <= 'F') {
    v = c - 'A' + 10;
  }
  return v >= 0 && static_cast<unsigned>(v) < base ? v : -1;
}

NumStatus parse_uint(std::string_view text, std::uint64_t &out) {
  unsigned base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) {
    return NumStatus::NotANumber;
  }
  std::uint64_t value = 0;
  bool overflow = false;
  for (char c : text) {
    int d = digit_value(c, base);
    if (d < 0) {
      return NumStatus::NotANumber;
    }
    if (value > (kU64Max - static_cast<unsigned>(d)) / base) {
      overflow = true;
    }
    value = value * base + static_cast<unsigned>(d);
  }
  out = overflow ? kU64Max : value;
  return overflow ? NumStatus::TooLarge : NumStatus::Ok;
}

std::string format_duration(Micros t) {
  if (t % 1000 == 0) {
    return std::to_string(t / 1000) + "ms";
  }
  return std::to_string(t) + "us";
}

bool is_identifier(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) {
    return false;
  }
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.';
    if (!ok) {
      return false;
    }
  }
  return true;
}

bool is_scenario_name(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

Location location_of(const std::string &file, const YAML::Mark &mark) {
  if (mark.is_null()) {
    return {file, 1, 1};
  }
  return {file, mark.line + 1, mark.column + 1};
}

std::string in_what(std::string_view what) {
  return what.empty() ? std::string() : " in " + std::string(what);
}

std::string scalar_text(const Reporter &rep, const YAML::Node &node) {
  return rep.text(node);
}

std::string range_message(std::string_view what, std::uint64_t min, std::uint64_t max,
                          const std::string &text) {
  std::string prefix = std::string(what) + ": ";
  if (min == 0) {
    return prefix + text + " is too large (at most " + std::to_string(max) + ")";
  }
  if (max == kU64Max) {
    return prefix + "expected an integer >= " + std::to_string(min) + ", got " + text;
  }
  return prefix + "expected an integer in " + std::to_string(min) + ".." + std::to_string(max) +
         ", got " + text;
}

std::uint64_t read_uint(const Reporter &rep, const YAML::Node &node, std::string_view what,
                        std::uint64_t min, std::uint64_t max) {
  std::string text = scalar_text(rep, node);
  std::uint64_t value = 0;
  NumStatus status = node.IsScalar() ? parse_uint(text, value) : NumStatus::NotANumber;
  if (status == NumStatus::NotANumber) {
    std::string got = node.IsScalar() ? ", got " + quote(text) : std::string();
    rep.fail(node, std::string(what) + ": expected a non-negative integer" + got);
  }
  if (status == NumStatus::TooLarge || value < min || value > max) {
    rep.fail(node, range_message(what, min, max, text));
  }
  return value;
}

std::int64_t read_int(const Reporter &rep, const YAML::Node &node, std::string_view what) {
  std::string text = scalar_text(rep, node);
  const bool negative = !text.empty() && text[0] == '-';
  std::uint64_t magnitude = 0;
  NumStatus status = node.IsScalar() ? parse_uint(negative ? text.substr(1) : text, magnitude)
                                     : NumStatus::NotANumber;
  if (status == NumStatus::NotANumber) {
    std::string got = node.IsScalar() ? ", got " + quote(text) : std::string();
    rep.fail(node, std::string(what) + ": expected an integer" + got);
  }
  const std::uint64_t limit = negative ? std::uint64_t(1) << 63 : (std::uint64_t(1) << 63) - 1;
  if (status == NumStatus::TooLarge || magnitude > limit) {
    rep.fail(node, std::string(what) +
                       ": expected an integer from -9223372036854775808 to "
                       "9223372036854775807, got " +
                       quote(text));
  }
  return negative ? static_cast<std::int64_t>(0 - magnitude) : static_cast<std::int64_t>(magnitude);
}

bool read_bool(const Reporter &rep, const YAML::Node &node, std::string_view what) {
  bool value = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(YAML::Node(rep.text(node)), value)) {
    rep.fail(node, std::string(what) + ": expected true or false");
  }
  return value;
}

std::string read_word(const Reporter &rep, const YAML::Node &node, std::string_view what) {
  std::string text = rep.text(node);
  if (!node.IsScalar() || text.empty()) {
    rep.fail(node, std::string(what) + ": expected a name");
  }
  return text;
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-' || c == ':';
}

std::string read_name(const Reporter &rep, const YAML::Node &node, std::string_view what) {
  std::string name = rep.text(node);
  if (!node.IsScalar() || name.empty()) {
    rep.fail(node, std::string(what) + ": expected a name");
  }
  if (name.size() > kMaxNameLength ||
      !std::all_of(name.begin(), name.end(), [](char c) { return is_name_char(c); })) {
    rep.fail(node, std::string(what) + ": a name is 1 to " + std::to_string(kMaxNameLength) +
                       " of A-Z, a-z, 0-9, '_', '.', '-' and ':'");
  }
  return name;
}

std::string read_text(const Reporter &rep, const YAML::Node &node, std::string_view what) {
  if (node.IsNull()) {
    return {};
  }
  if (!node.IsScalar()) {
    rep.fail(node, std::string(what) + ": expected text");
  }
  return rep.text(node);
}

std::string read_knob_value(const Reporter &rep, const Field &f) {
  if (!f.value.IsScalar()) {
    rep.fail(f.value, f.key + ": expected a value (a number or word)");
  }
  return rep.text(f.value);
}

std::size_t read_choice(const Reporter &rep, const YAML::Node &node, std::string_view what,
                        KeyList choices) {
  std::string text = scalar_text(rep, node);
  for (std::size_t i = 0; i < choices.size(); ++i) {
    if (node.IsScalar() && choices[i] == text) {
      return i;
    }
  }
  std::string got = node.IsScalar() ? "unknown " + std::string(what) + " " + quote(text)
                                    : std::string(what) + ": expected a word";
  rep.fail(node, got + " (expected one of: " + join(choices) + ")");
}

Micros read_duration(const Reporter &rep, const YAML::Node &node, std::string_view what) {
  std::optional<Micros> d = node.IsScalar() ? parse_duration(rep.text(node)) : std::nullopt;
  if (!d) {
    rep.fail(node, std::string(what) +
                       ": expected a duration like 250ms, 2s or a bare number of milliseconds");
  }
  if (*d > kMaxMicros) {
    rep.fail(node, std::string(what) + ": at most " + std::to_string(kMaxMicros / 1000) +
                       "ms (about 50 days)");
  }
  return *d;
}

std::uint8_t read_byte(const Reporter &rep, const YAML::Node &node, std::string_view what) {
  // A quoted value with a placeholder is the number it gives.
  bool quoted = node.IsScalar() && node.Tag() == "!" && rep.text(node) == node.Scalar();
  if (quoted) {
    if (node.Scalar().size() != 1) {
      rep.fail(node, std::string(what) + ": expected one character, like 'a', or a number 0..255");
    }
    return static_cast<std::uint8_t>(node.Scalar()[0]);
  }
  return static_cast<std::uint8_t>(read_uint(rep, node, what, 0, 255));
}

const YAML::Node &need_sequence(const Reporter &rep, const YAML::Node &node,
                                std::string_view what) {
  if (!node.IsSequence()) {
    rep.fail(node, std::string(what) + ": expected a list");
  }
  return node;
}

} // namespace ksmsim::scenario::detail
