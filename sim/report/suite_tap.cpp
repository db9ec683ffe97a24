// SPDX-License-Identifier: GPL-2.0-only
//
// TAP version 13 (https://testanything.org/tap-version-13-specification.html)
// as the kernel's kselftests write it.
#include <fmt/format.h>

#include "sim/report/json_text.h"
#include "sim/report/suite.h"

namespace ksmsim {

namespace {

// A test line's description: '#' would start a directive and '\' escapes
// it; a line break would end the line.
std::string description(const std::string &path) {
  std::string out;
  for (char c : path) {
    if (c == '#' || c == '\\')
      out += '\\';
    out += c == '\n' || c == '\r' ? ' ' : c;
  }
  return out;
}

// A YAML double-quoted scalar: a JSON string is one.
std::string yaml_string(const std::string &s) {
  return json_quoted(s);
}

std::string diagnostics(const SuiteRun &r) {
  std::string out = "  ---\n";
  out += fmt::format("  message: {}\n", yaml_string(r.exit_code == 2 ? r.error : r.result));
  out += fmt::format("  severity: {}\n", r.exit_code == 2 ? "error" : "fail");
  out += fmt::format("  exit_status: {}\n", r.exit_code);
  if (!r.failures.empty()) {
    out += "  failures:\n";
    for (const std::string &f : r.failures)
      out += fmt::format("    - {}\n", yaml_string(f));
  }
  if (!r.oopses.empty()) {
    out += "  oopses:\n";
    for (const std::string &o : r.oopses)
      out += fmt::format("    - {}\n", yaml_string(o));
  }
  if (!r.violations.empty()) {
    out += "  invariant_violations:\n";
    for (const std::string &v : r.violations)
      out += fmt::format("    - {}\n", yaml_string(v));
  }
  return out + "  ...\n";
}

} // namespace

std::string tap_report(const std::vector<SuiteRun> &runs) {
  std::string out = fmt::format("TAP version 13\n1..{}\n", runs.size());
  int n = 0;
  for (const SuiteRun &r : runs) {
    out += fmt::format("{} {} {}", r.exit_code == 0 ? "ok" : "not ok", ++n, description(r.path));
    if (!r.skip.empty())
      out += " # SKIP " + description(r.skip);
    out += "\n";
    if (r.exit_code != 0)
      out += diagnostics(r);
  }
  return out;
}

} // namespace ksmsim
