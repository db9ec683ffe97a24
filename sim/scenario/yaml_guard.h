// SPDX-License-Identifier: GPL-2.0-only
//
// Inputs that yaml-cpp 0.7 cannot be given (found by the fuzzer): where a
// document's first token is ',' (after node properties, too), its parser
// makes an empty document without consuming the token, so YAML::LoadAll
// loops, allocating without end. No valid YAML document starts so (',' is
// an indicator). yaml_guard refuses the plain case with a clear message;
// second_document counts documents with the event parser, at most two,
// so that no input can make it loop.
#pragma once

#include <optional>
#include <string_view>

namespace ksmsim::scenario {

struct GuardFinding {
  int line = 0, column = 0; // 1-based
  const char *what = "";
};

std::optional<GuardFinding> yaml_guard(std::string_view text);

// Where a second document starts, if the text has one.
std::optional<GuardFinding> second_document(const std::string &text);

} // namespace ksmsim::scenario
