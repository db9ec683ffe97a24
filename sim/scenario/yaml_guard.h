// SPDX-License-Identifier: GPL-2.0-only
//
// Inputs that yaml-cpp 0.7 cannot be given: a document whose first token is
// ',' makes YAML::Load loop, allocating without end (found by the fuzzer).
// No valid YAML document starts so (',' is an indicator), so such a text is
// refused before yaml-cpp sees it.
#pragma once

#include <optional>
#include <string_view>

namespace ksmsim::scenario {

struct GuardFinding {
  int line = 0, column = 0; // 1-based
  const char *what = "";
};

std::optional<GuardFinding> yaml_guard(std::string_view text);

} // namespace ksmsim::scenario
