// SPDX-License-Identifier: GPL-2.0-only
//
// Just enough JSON writing for the reports.
#pragma once

#include <fmt/format.h>

#include <string>
#include <vector>

namespace ksmsim {

inline std::string json_string(const std::string &s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20)
        out += fmt::format("\\u{:04x}", c);
      else
        out += c;
    }
  }
  return out + "\"";
}

inline std::string json_list(const std::vector<std::string> &v) {
  std::vector<std::string> q;
  for (const auto &s : v)
    q.push_back(json_string(s));
  return fmt::format("[{}]", fmt::join(q, ", "));
}

} // namespace ksmsim
