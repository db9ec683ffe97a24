// SPDX-License-Identifier: GPL-2.0-only
//
// JUnit XML, the shape CI systems read (Jenkins, GitLab): no timestamps or
// durations, so that the same runs give the same bytes.
#include <fmt/format.h>

#include "sim/report/suite.h"
#include "sim/report/xml_text.h"

namespace ksmsim {

std::string junit_report(const std::vector<SuiteRun> &runs) {
  int failures = 0, errors = 0, skipped = 0;
  for (const SuiteRun &r : runs) {
    failures += r.exit_code == 1;
    errors += r.exit_code == 2;
    skipped += !r.skip.empty();
  }
  const std::string counts = fmt::format(R"(tests="{}" failures="{}" errors="{}" skipped="{}")",
                                         runs.size(), failures, errors, skipped);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"ksmsim run\" {}>\n", counts);
  out += fmt::format("  <testsuite name=\"ksmsim run\" {}>\n", counts);
  for (const SuiteRun &r : runs) {
    out +=
        fmt::format("    <testcase name=\"{}\" classname=\"ksmsim.run\">\n", xml_attribute(r.path));
    if (r.exit_code == 2) {
      out += fmt::format("      <error message=\"{}\" type=\"exit 2\">{}</error>\n",
                         xml_attribute(r.error), xml_text(r.error));
    } else if (r.exit_code == 1) {
      std::string detail;
      for (const std::string &f : r.failures)
        detail += f + "\n";
      for (const std::string &o : r.oopses)
        detail += o + "\n";
      for (const std::string &v : r.violations)
        detail += "invariant violated: " + v + "\n";
      out += fmt::format("      <failure message=\"{}\" type=\"exit 1\">{}</failure>\n",
                         xml_attribute(r.result), xml_text(detail));
    } else if (!r.skip.empty()) {
      out += fmt::format("      <skipped message=\"{}\"/>\n", xml_attribute(r.skip));
    }
    if (!r.summary.empty())
      out += fmt::format("      <system-out>{}</system-out>\n", xml_text(r.summary));
    out += "    </testcase>\n";
  }
  return out + "  </testsuite>\n</testsuites>\n";
}

} // namespace ksmsim
