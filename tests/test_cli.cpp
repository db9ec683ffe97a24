// SPDX-License-Identifier: GPL-2.0-only
//
// Tests of the ksmsim command line (tools/ksmsim.cpp): exit statuses, the
// summary, the JSON and trace outputs, and the errors for broken scenarios
// and bad arguments. The binary built alongside is run on scenario files
// written to a fresh temporary directory.

#include <catch2/catch.hpp>

#include "temp_dir.h"

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

using test_files::slurp;
using test_files::TempDir;

struct Run {
  int code = -1;
  std::string out, err;
};

// Runs the ksmsim binary with the given (already quoted) arguments.
Run ksmsim(const TempDir &dir, const std::string &args) {
  static int n = 0;
  fs::path out = dir.path / ("stdout." + std::to_string(n));
  fs::path err = dir.path / ("stderr." + std::to_string(n));
  n++;
  std::string cmd = std::string("'") + KSMSIM_BINARY + "' " + args + " >'" + out.string() +
                    "' 2>'" + err.string() + "'";
  int status = std::system(cmd.c_str());
  Run r;
  REQUIRE(status != -1);
  REQUIRE(WIFEXITED(status));
  r.code = WEXITSTATUS(status);
  r.out = slurp(out);
  r.err = slurp(err);
  fs::remove(out);
  fs::remove(err);
  return r;
}

std::string q(const fs::path &p) {
  return "'" + p.string() + "'";
}

bool contains(const std::string &hay, const std::string &needle) {
  return hay.find(needle) != std::string::npos;
}

// Two pages of 'a' in one mm: ksmd's second full scan merges them.
const char *GOOD = R"(scenario: cli-merge
ksm: {run: 0, pages_to_scan: 1000, sleep_millisecs: 20}
steps:
  - spawn: A
  - mmap: {mm: A, vma: heap, pages: 2}
  - write: {mm: A, vma: heap, pages: 0-1, fill: 'a'}
  - madvise: {mm: A, vma: heap, advice: mergeable}
  - sysfs: {run: 1}
  - wait: {full_scans: 2}
  - expect:
      pages_shared: 1
      pages_sharing: 1
      pages_unshared: 0
      full_scans: 2
)";

// The same, expecting the wrong pages_shared in step 7 (line 10).
const char *FAILING = R"(scenario: cli-fail
ksm: {run: 0, pages_to_scan: 1000, sleep_millisecs: 20}
steps:
  - spawn: A
  - mmap: {mm: A, vma: heap, pages: 2}
  - write: {mm: A, vma: heap, pages: 0-1, fill: 'a'}
  - madvise: {mm: A, vma: heap, advice: mergeable}
  - sysfs: {run: 1}
  - wait: {full_scans: 2}
  - expect:
      pages_shared: 2
      pages_sharing: 1
)";

// A scenario whose fifth line is `line5` (after spawn and an 8-page mmap).
std::string broken(const std::string &line5) {
  return "scenario: broken\n"
         "steps:\n"
         "  - spawn: A\n"
         "  - mmap: {mm: A, vma: heap, pages: 8}\n" +
         line5 + "\n";
}

// JSON text is well formed as far as brackets and strings go.
bool balanced_json(const std::string &s) {
  std::vector<char> stack;
  bool in_string = false;
  for (std::size_t i = 0; i < s.size(); i++) {
    char c = s[i];
    if (in_string) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '{' || c == '[')
      stack.push_back(c);
    else if (c == '}' || c == ']') {
      if (stack.empty() || stack.back() != (c == '}' ? '{' : '['))
        return false;
      stack.pop_back();
    }
  }
  return stack.empty() && !in_string;
}

} // namespace

TEST_CASE("cli: a passing scenario exits 0 and --quiet prints nothing", "[cli]") {
  TempDir dir;
  fs::path scn = dir.write("good.yaml", GOOD);
  Run r = ksmsim(dir, "run " + q(scn));
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "cli-merge"));
  CHECK(contains(r.out, "PASS"));
  CHECK(r.err.empty());
  Run quiet = ksmsim(dir, "run " + q(scn) + " --quiet");
  CHECK(quiet.code == 0);
  CHECK(quiet.out.empty());
}

TEST_CASE("cli: --trace is byte-identical across runs", "[cli][trace]") {
  TempDir dir;
  fs::path scn = dir.write("good.yaml", GOOD);
  fs::path t1 = dir.path / "t1.trace", t2 = dir.path / "t2.trace";
  Run r1 = ksmsim(dir, "run " + q(scn) + " --trace " + q(t1));
  Run r2 = ksmsim(dir, "run " + q(scn) + " --trace=" + q(t2));
  CHECK(r1.code == 0);
  CHECK(r2.code == 0);
  REQUIRE(fs::exists(t1));
  REQUIRE(fs::exists(t2));
  const std::string a = slurp(t1), b = slurp(t2);
  CHECK(a.rfind("# tracer: nop\n", 0) == 0);
  CHECK(a.size() > 1000); // the header and events
  CHECK(a == b);
  CHECK(r1.out == r2.out);
}

TEST_CASE("cli: --json writes a result document", "[cli][json]") {
  TempDir dir;
  fs::path good = dir.write("good.yaml", GOOD), bad = dir.write("fail.yaml", FAILING);
  fs::path j1 = dir.path / "good.json", j2 = dir.path / "fail.json";
  Run r1 = ksmsim(dir, "run " + q(good) + " --json " + q(j1) + " --quiet");
  CHECK(r1.code == 0);
  const std::string js = slurp(j1);
  CHECK(js.rfind("{", 0) == 0);
  CHECK(js.size() >= 2);
  CHECK(js.substr(js.size() - 2) == "}\n");
  CHECK(balanced_json(js));
  CHECK(contains(js, "\"result\": \"pass\""));
  CHECK(contains(js, "\"scenario\": \"cli-merge\""));

  Run r2 = ksmsim(dir, "run " + q(bad) + " --json " + q(j2));
  CHECK(r2.code == 1);
  const std::string jf = slurp(j2);
  CHECK(balanced_json(jf));
  CHECK(contains(jf, "\"result\": \"fail\""));
}

TEST_CASE("cli: a failing expectation exits 1 and names the step", "[cli]") {
  TempDir dir;
  fs::path scn = dir.write("fail.yaml", FAILING);
  Run r = ksmsim(dir, "run " + q(scn) + " --quiet"); // --quiet still reports failures
  INFO(r.out << r.err);
  CHECK(r.code == 1);
  CHECK(contains(r.out, "step 7"));
  CHECK(contains(r.out, "line 10"));
  CHECK(contains(r.out, "pages_shared: expected 2, found 1"));
  CHECK(contains(r.out, "FAIL"));
}

TEST_CASE("cli: broken scenarios exit 2 with file:line:column", "[cli][errors]") {
  TempDir dir;
  struct Case {
    const char *name;
    std::string text;
    int line, column;
    const char *message;
  };
  const std::vector<Case> cases = {
      {"unknown-key", broken("  - write: {mm: A, vma: heap, pages: 0, fill: 'a', colour: red}"), 5,
       52, "unknown key 'colour'"},
      {"bad-range", broken("  - write: {mm: A, vma: heap, pages: 5-2, fill: 'a'}"), 5, 38,
       "bad range '5-2'"},
      {"unknown-mm", broken("  - write: {mm: Z, vma: heap, pages: 0, fill: 'a'}"), 5, 17,
       "unknown mm 'Z'"},
      {"outside-vma", broken("  - write: {mm: A, vma: heap, pages: 9, fill: 'a'}"), 5, 38,
       "page 9 is outside vma 'heap'"},
      {"outside-vma-range", broken("  - read: {mm: A, vma: heap, pages: [0, 6-8]}"), 5, 41,
       "page 8 is outside vma 'heap'"},
  };
  for (const Case &c : cases) {
    INFO(c.name);
    fs::path p = dir.write(std::string(c.name) + ".yaml", c.text);
    Run r = ksmsim(dir, "run " + q(p));
    INFO(r.out << r.err);
    CHECK(r.code == 2);
    const std::string where =
        p.string() + ":" + std::to_string(c.line) + ":" + std::to_string(c.column) + ": ";
    CHECK(contains(r.err, where));
    CHECK(contains(r.err, c.message));
    CHECK(r.out.empty());
  }
}

TEST_CASE("cli: bad YAML exits 2 with a location", "[cli][errors]") {
  TempDir dir;
  fs::path p =
      dir.write("bad.yaml", "scenario: bad\nsteps:\n  - spawn: A\n  - mmap: {mm: A, vma: heap\n");
  Run r = ksmsim(dir, "run " + q(p));
  INFO(r.err);
  CHECK(r.code == 2);
  std::smatch m;
  const std::regex where("^(.*):([0-9]+):([0-9]+): bad YAML");
  REQUIRE(std::regex_search(r.err, m, where));
  CHECK(m[1].str() == p.string());
  CHECK(std::stoi(m[2].str()) >= 4); // not before the unclosed map
  CHECK(std::stoi(m[3].str()) >= 1);
}

TEST_CASE("cli: a missing scenario file exits 2", "[cli][errors]") {
  TempDir dir;
  Run r = ksmsim(dir, "run " + q(dir.path / "nope.yaml"));
  CHECK(r.code == 2);
  CHECK(contains(r.err, "nope.yaml:0:0: cannot read file"));
}

TEST_CASE("cli: --help, --version and usage errors", "[cli][args]") {
  TempDir dir;
  Run help = ksmsim(dir, "--help");
  CHECK(help.code == 0);
  CHECK(contains(help.out, "usage: ksmsim run FILE"));

  Run version = ksmsim(dir, "--version");
  CHECK(version.code == 0);
  CHECK(version.out == std::string("ksmsim ") + KSMSIM_VERSION + "\n");

  Run none = ksmsim(dir, "");
  CHECK(none.code == 2);
  CHECK(contains(none.err, "usage:"));

  Run unknown = ksmsim(dir, "frobnicate");
  CHECK(unknown.code == 2);
  CHECK(contains(unknown.err, "unknown command 'frobnicate'"));
  CHECK(contains(unknown.err, "usage:"));

  fs::path scn = dir.write("good.yaml", GOOD);
  Run check = ksmsim(dir, "run " + q(scn) + " --check=bogus");
  CHECK(check.code == 2);
  CHECK(contains(check.err, "--check"));
  CHECK(contains(check.err, "bogus"));
  CHECK(check.out.empty());

  for (const char *mode : {"step", "page", "off"}) {
    INFO(mode);
    CHECK(ksmsim(dir, "run " + q(scn) + " --quiet --check=" + mode).code == 0);
  }

  Run nofile = ksmsim(dir, "run");
  CHECK(nofile.code == 2);

  Run badopt = ksmsim(dir, "run " + q(scn) + " --frobnicate");
  CHECK(badopt.code == 2);

  Run kernel = ksmsim(dir, "run " + q(scn) + " --kernel 'v3.9 without bogus'");
  CHECK(kernel.code == 2);
  CHECK(contains(kernel.err, "unknown fix 'bogus'"));
}

TEST_CASE("cli: an output path that cannot be written exits 2 and leaves nothing", "[cli][args]") {
  TempDir dir;
  fs::path scn = dir.write("good.yaml", GOOD);
  const fs::path missing = dir.path / "no-such-dir";
  Run r1 = ksmsim(dir, "run " + q(scn) + " --json " + q(missing / "out.json"));
  CHECK(r1.code == 2);
  CHECK(contains(r1.err, "cannot write"));
  CHECK_FALSE(fs::exists(missing));

  Run r2 = ksmsim(dir, "run " + q(scn) + " --trace " + q(missing / "out.trace"));
  CHECK(r2.code == 2);
  CHECK_FALSE(fs::exists(missing));

  // An existing directory as the output: the rename fails, the temporary goes.
  const fs::path sub = dir.path / "sub";
  fs::create_directory(sub);
  Run r3 = ksmsim(dir, "run " + q(scn) + " --json " + q(sub));
  CHECK(r3.code == 2);
  CHECK(fs::is_directory(sub));
  CHECK(fs::is_empty(sub));
  // Nothing but the scenario is left in the directory.
  std::vector<std::string> left;
  for (const auto &e : fs::directory_iterator(dir.path))
    left.push_back(e.path().filename().string());
  std::sort(left.begin(), left.end());
  CHECK(left == std::vector<std::string>{"good.yaml", "sub"});
}
