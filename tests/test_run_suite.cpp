// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim run` over several scenarios (tools/run_suite.cpp,
// sim/report/suite*.cpp): a directory argument, TAP version 13 checked
// line by line against its grammar, JUnit XML read back by python3's XML
// parser, the same bytes with --jobs 1 and --jobs 2, the worst exit
// status, and the per-run outputs refused.

#include "tests/catch.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "sim/report/suite.h"
#include "sim/report/xml_text.h"
#include "tests/run_cli.h"

using namespace ksmsim;
using ksmsim::test::run_cli;
using ksmsim::test::ScratchDir;

namespace {

const std::string SRC = KSMSIM_SOURCE_DIR;
const std::string SUITE = "'" + SRC + "/tests/data/suite'";
const std::string PASS = "'" + SRC + "/tests/data/suite/pass.yaml'";
const std::string FAIL = "'" + SRC + "/tests/data/suite/fail.yaml'";
const std::string BROKEN = "'" + SRC + "/tests/data/suite-broken.yaml'";

// The output with the source directory's path taken out.
std::string relative(std::string text) {
  for (std::size_t at; (at = text.find(SRC + "/")) != std::string::npos;)
    text.erase(at, SRC.size() + 1);
  return text;
}

std::vector<std::string> lines_of(const std::string &text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

// TAP version 13: the version line, the plan 1..N, then N test lines
// numbered 1 to N in order, each `not ok` followed by a YAML block
// (`  ---` ... `  ...`, every line indented); nothing else. Returns what is
// wrong, or "".
std::string tap_grammar(const std::string &text) {
  const std::vector<std::string> lines = lines_of(text);
  if (lines.size() < 2 || lines[0] != "TAP version 13")
    return "no 'TAP version 13' line first";
  std::smatch m;
  if (!std::regex_match(lines[1], m, std::regex(R"(1\.\.(\d+))")))
    return "no plan second: " + lines[1];
  const int planned = std::stoi(m[1]);
  const std::regex test(R"((ok|not ok) (\d+)( [^#\\]*(\\.[^#\\]*)*)?( # (SKIP|TODO)( .*)?)?)");
  int n = 0;
  for (std::size_t i = 2; i < lines.size(); ++i) {
    if (!std::regex_match(lines[i], m, test))
      return "not a test line: " + lines[i];
    if (std::stoi(m[2]) != ++n)
      return fmt::format("test {} numbered {}", n, m[2].str());
    if (m[1] == "not ok") {
      if (i + 1 >= lines.size() || lines[++i] != "  ---")
        return "no YAML block after: " + lines[i - 1];
      while (++i < lines.size() && lines[i] != "  ...")
        if (lines[i].rfind("  ", 0) != 0)
          return "a YAML line not indented: " + lines[i];
      if (i == lines.size())
        return "a YAML block without its '  ...'";
    }
  }
  return n == planned ? "" : fmt::format("planned {}, ran {}", planned, n);
}

} // namespace

TEST_CASE("run suite: TAP version 13 over a directory, sorted by path", "[cli][suite]") {
  const auto r = run_cli("run " + SUITE + " --format tap");
  CHECK(r.code == 1);
  CHECK(tap_grammar(r.text) == "");
  CHECK(relative(r.text) ==
        "TAP version 13\n"
        "1..3\n"
        "not ok 1 tests/data/suite/fail.yaml\n"
        "  ---\n"
        "  message: \"FAIL (0 expectations held, 1 failed)\"\n"
        "  severity: fail\n"
        "  exit_status: 1\n"
        "  failures:\n"
        "    - \"step 7 (line 13) expect: pages_shared: expected 2, found 1\"\n"
        "  ...\n"
        "ok 2 tests/data/suite/more/skip.yaml # SKIP no expectation is for kernel v3.9 (with "
        "stale-stable-sweep)\n"
        "ok 3 tests/data/suite/pass.yaml\n");
}

TEST_CASE("run suite: a scenario that cannot run is `not ok` with its message", "[cli][suite]") {
  const auto r = run_cli("run " + PASS + " " + BROKEN + " --format tap");
  CHECK(r.code == 2);
  CHECK(tap_grammar(r.text) == "");
  CHECK_THAT(
      relative(r.text),
      catch_compat::Contains("ok 1 tests/data/suite/pass.yaml\n"
                             "not ok 2 tests/data/suite-broken.yaml\n"
                             "  ---\n"
                             "  message: \"tests/data/suite-broken.yaml:5:12: spawn: a name is") &&
          catch_compat::Contains("  severity: error\n  exit_status: 2\n  ...\n"));
}

TEST_CASE("run suite: the exit status is the worst of the runs", "[cli][suite]") {
  CHECK(run_cli("run " + PASS + " " + PASS + " --quiet").code == 0);
  CHECK(run_cli("run " + PASS + " " + FAIL + " --quiet").code == 1);
  CHECK(run_cli("run " + BROKEN + " " + FAIL + " " + PASS + " --quiet").code == 2);
  CHECK(run_cli("run " + PASS + " " + PASS + " --quiet").text.empty());
}

TEST_CASE("run suite: the same bytes with --jobs 1 and --jobs 2", "[cli][suite]") {
  const std::string inputs = SUITE + " " + BROKEN + " " + PASS + " " + FAIL;
  for (const char *format : {"human", "tap", "junit"}) {
    const auto one = run_cli(fmt::format("run {} --format {} --jobs 1", inputs, format));
    const auto two = run_cli(fmt::format("run {} --format {} --jobs 2", inputs, format));
    CHECK(one.code == 2);
    CHECK(two.code == 2);
    CHECK(one.text == two.text);
  }
}

TEST_CASE("run suite: the human format is each summary under its path, then a tally",
          "[cli][suite]") {
  const auto r = run_cli("run " + PASS + " " + FAIL);
  CHECK(r.code == 1);
  const std::string text = relative(r.text);
  CHECK_THAT(text, Catch::StartsWith("== tests/data/suite/pass.yaml\nscenario suite-pass"));
  CHECK_THAT(text, catch_compat::Contains("== tests/data/suite/fail.yaml\nscenario suite-fail"));
  CHECK_THAT(text, Catch::EndsWith("ran 2 scenarios: 1 passed (0 skipped), 1 failed, 0 could "
                                   "not run\n"));
  // --quiet: only what failed.
  const auto q = run_cli("run " + PASS + " " + FAIL + " --quiet");
  CHECK(relative(q.text).find("suite/pass.yaml") == std::string::npos);
  CHECK_THAT(q.text, catch_compat::Contains("scenario suite-fail"));
}

TEST_CASE("run suite: JUnit XML parses, with counts and escaped names", "[cli][suite]") {
  ScratchDir dir("suite-junit");
  // A file name with markup, '#' and a byte that is not UTF-8.
  std::filesystem::copy_file(SRC + "/tests/data/suite/fail.yaml", dir.path / "a<&\"#\xff.yaml");
  std::filesystem::copy_file(SRC + "/tests/data/suite/pass.yaml", dir.path / "b.yaml");
  const std::string out = dir.file("out.xml");
  const auto r =
      run_cli(fmt::format("run {} {} {} --format junit > {}", dir.file(""), SUITE, BROKEN, out));
  CHECK(r.code == 2);
  // python3's XML parser reads it back (it refuses a document that is not
  // well formed, or not UTF-8).
  const std::string py = "import sys, xml.etree.ElementTree as E\n"
                         "root = E.parse(sys.argv[1]).getroot()\n"
                         "s = root.find('testsuite')\n"
                         "print(root.tag, s.get('tests'), s.get('failures'), s.get('errors'), "
                         "s.get('skipped'))\n"
                         "for c in s.findall('testcase'):\n"
                         "    print(c.get('name').split('/')[-1], *[e.tag for e in c])\n"
                         "print(s.find('testcase').find('failure').get('message'))\n";
  {
    std::ofstream f(dir.path / "check.py");
    f << py;
  }
  const ksmsim::test::CliOutput parsed =
      ksmsim::test::run_shell("python3 " + dir.file("check.py") + " " + out);
  CHECK(parsed.code == 0);
  CHECK(parsed.text == "testsuites 6 2 1 1\n"
                       "a<&\"#\xef\xbf\xbd.yaml failure system-out\n"
                       "b.yaml system-out\n"
                       "fail.yaml failure system-out\n"
                       "skip.yaml skipped system-out\n"
                       "pass.yaml system-out\n"
                       "suite-broken.yaml error\n"
                       "FAIL (0 expectations held, 1 failed)\n");
}

TEST_CASE("run suite: one run's outputs are refused with several", "[cli][suite]") {
  for (const char *option : {"--json x.json", "--trace x.trace", "--html x.html", "--dump-at 3",
                             "--timeline t.csv", "--list-points"}) {
    const auto r = run_cli(fmt::format("run {} {} {}", PASS, FAIL, option));
    CHECK(r.code == 2);
    CHECK_THAT(r.text, catch_compat::Contains("writes one scenario's output: not with several"));
  }
  CHECK(run_cli("run " + SUITE + " --json x.json").code == 2);
  CHECK(run_cli("run " + PASS + " --format tap --json x.json").code == 2);
  CHECK_THAT(run_cli("run " + PASS + " " + PASS + " --format xml").text,
             catch_compat::Contains("--format takes human, tap or junit, not 'xml'"));
  CHECK_THAT(run_cli("run " + PASS + " " + PASS + " --jobs 0").text,
             catch_compat::Contains("--jobs takes a whole number from 1 to 256"));
  ScratchDir empty("suite-empty");
  const auto e = run_cli("run " + empty.file(""));
  CHECK(e.code == 2);
  CHECK_THAT(e.text, catch_compat::Contains("a directory without any *.yaml scenario"));
}

TEST_CASE("run suite: TAP descriptions and XML text are escaped", "[suite]") {
  SuiteRun r;
  r.path = "a#b\\c\nd";
  CHECK(tap_report({r}) == "TAP version 13\n1..1\nok 1 a\\#b\\\\c d\n");
  CHECK(xml_text("<a & 'b'>\n\x01") == "&lt;a &amp; &apos;b&apos;&gt;\n\xef\xbf\xbd");
  CHECK(xml_attribute("\"x\"\t\n\xff") == "&quot;x&quot;&#9;&#10;\xef\xbf\xbd");
  CHECK(worst_exit({}) == 0);
}

TEST_CASE("run suite: a failed run's oopses and invariant violations in the TAP block",
          "[cli][suite]") {
  // Without its fix and under --strict, this regression's kernel detects
  // its own bug: the run fails with no expectation failed.
  const auto r = run_cli("run '" + SRC +
                         "/scenarios/regressions/stale-stable-node-lost-tree.yaml' --strict "
                         "--format tap");
  CHECK(r.code == 1);
  CHECK(tap_grammar(r.text) == "");
  CHECK_THAT(r.text, catch_compat::Contains("unexpected invariant violation (--strict))\"\n") &&
                         catch_compat::Contains("  oopses:\n    - \"ksmsim: rb_erase") &&
                         catch_compat::Contains("  invariant_violations:\n    - \"stable_node: "));
}
