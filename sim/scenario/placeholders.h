// SPDX-License-Identifier: GPL-2.0-only
//
// Placeholders in scenario values (extension): `{i}`, `{params.procs}`,
// `{i*64+63}`, `{(i+1)*params.pages-1}` are replaced by their decimal
// value. An expression is terms joined by '+' or '-', a term factors joined
// by '*' (the usual precedence, left to right), a factor a decimal number,
// the index of an enclosing repeat, params.NAME or an expression in
// parentheses; arithmetic is on 64-bit unsigned integers: an overflow or a
// result below 0 is an error. `{{` and `}}` stand for '{' and '}'.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ksmsim::scenario {

struct Bindings {
  // The indexes of the enclosing repeats, outermost first.
  std::vector<std::pair<std::string, std::uint64_t>> vars;
  std::map<std::string, std::uint64_t> params;
  // Placeholders are read only in files with params: and inside repeat:
  // (elsewhere a value is taken as written, as v1 says).
  bool active = false;
};

struct Substituted {
  std::string text;
  std::string error; // empty on success; else what is wrong
};

// The text with each placeholder replaced, or an error naming it.
Substituted substitute(std::string_view text, const Bindings &b);

// Only the value of one expression (without braces), for tests.
Substituted evaluate(std::string_view expr, const Bindings &b, std::uint64_t &value);

} // namespace ksmsim::scenario
