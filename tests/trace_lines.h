// SPDX-License-Identifier: GPL-2.0-only
//
// For the tests of `ksmsim diff`: traces made of text.
#pragma once

#include <fmt/format.h>
#include <sstream>
#include <string>

#include "ksmsim/tracediff.h"

namespace ksmsim::test {

inline tracediff::Trace parse(const std::string &text, const std::string &path = "t.trace") {
  std::istringstream in(text);
  return tracediff::parse_trace(in, path);
}

// An event line as Linux 6.18 writes it, for task-37 on cpu 1.
inline std::string ev(const std::string &task, const std::string &name, const std::string &text) {
  return fmt::format("{:>16}-{:<7} [001] .....   283.340066: {}: {}\n", task, 37, name, text);
}

} // namespace ksmsim::test
