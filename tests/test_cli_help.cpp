// SPDX-License-Identifier: GPL-2.0-only
//
// Tests of what the ksmsim CLI says about itself and how it takes '-':
// `ksmsim --help` names every command, `ksmsim COMMAND --help` names every
// option that the command's options_description holds (as its
// --list-options prints them, from the description itself), each man page
// in docs/man names them too, --version names the git revision,
// --list-kernels and --list-points list what --kernel and `interleave:`
// take, and '-' is stdin for an input and stdout for an output (with the
// summary moved to stderr), refused where it cannot work.

#include "tests/catch.h"

#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "model/lib/points.h"
#include "temp_dir.h"
#include "tests/run_cli.h"

namespace fs = std::filesystem;

namespace {

using test_files::slurp;
using test_files::TempDir;

using Run = ksmsim::test::SplitOutput;

// Runs `cd DIR && ksmsim ARGS` (ARGS already quoted for the shell; it may
// redirect stdin), with stdout and stderr apart.
Run ksmsim_in(const TempDir &dir, const std::string &args) {
  return ksmsim::test::run_split(dir.path, args, true);
}

std::vector<std::string> lines(const std::string &text) {
  std::vector<std::string> v;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    v.push_back(l);
  return v;
}

// Does text hold name as a whole option name (not as the start of a longer
// one: --trace in "--trace-format" does not count)?
bool names_option(const std::string &text, const std::string &name) {
  for (std::size_t p = text.find(name); p != std::string::npos; p = text.find(name, p + 1)) {
    const std::size_t end = p + name.size();
    const bool starts =
        p == 0 || (!std::isalnum(static_cast<unsigned char>(text[p - 1])) && text[p - 1] != '-');
    const bool ends = end == text.size() ||
                      (!std::isalnum(static_cast<unsigned char>(text[end])) && text[end] != '-');
    if (starts && ends)
      return true;
  }
  return false;
}

// The commands `ksmsim --help` lists in its "commands:" section.
std::vector<std::string> listed_commands(const TempDir &dir) {
  const Run help = ksmsim_in(dir, "--help");
  REQUIRE(help.code == 0);
  std::vector<std::string> names;
  bool in = false;
  const std::regex row("^  ([a-z]+) +[a-z].*");
  for (const std::string &l : lines(help.out)) {
    if (l == "commands:")
      in = true;
    else if (l.empty())
      in = false;
    std::smatch m;
    if (in && std::regex_match(l, m, row))
      names.push_back(m[1]);
  }
  return names;
}

// The option names (--name, -n) of a command, from its --list-options.
std::vector<std::string> options_of(const TempDir &dir, const std::string &command) {
  const Run list = ksmsim_in(dir, command + " --list-options");
  INFO(command << ": " << list.err);
  REQUIRE(list.code == 0);
  std::vector<std::string> names;
  for (const std::string &l : lines(list.out))
    names.push_back(l.substr(0, l.find(' ')));
  REQUIRE(!names.empty());
  return names;
}

// A man page's text with roff's escaped hyphens (\-) made plain.
std::string man_page_text(const std::string &page) {
  std::string text = slurp(fs::path(KSMSIM_SOURCE_DIR) / "docs" / "man" / page);
  std::string plain;
  for (std::size_t i = 0; i < text.size(); i++) {
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == '-') {
      plain += '-';
      i++;
    } else {
      plain += text[i];
    }
  }
  return plain;
}

const std::string SCENARIO =
    (fs::path(KSMSIM_SOURCE_DIR) / "scenarios" / "basics" / "merge-two-processes.yaml").string();

std::string q(const std::string &s) {
  return "'" + s + "'";
}

} // namespace

TEST_CASE("cli help: ksmsim --help lists every command, and each has a man page", "[cli][help]") {
  TempDir dir;
  const std::vector<std::string> listed = listed_commands(dir);
  std::set<std::string> commands(listed.begin(), listed.end());
  CHECK(commands == std::set<std::string>{"run", "explore", "report", "sweep", "step", "record",
                                          "compare", "diff"});
  std::set<std::string> pages;
  for (const auto &e : fs::directory_iterator(fs::path(KSMSIM_SOURCE_DIR) / "docs" / "man")) {
    const std::string name = e.path().filename().string();
    if (name.rfind("ksmsim-", 0) == 0 && e.path().extension() == ".1")
      pages.insert(name.substr(7, name.size() - 9));
  }
  CHECK(pages == commands);
  const Run help = ksmsim_in(dir, "--help");
  CHECK(help.err.empty());
  CHECK(help.out.find("exit status") != std::string::npos);
  for (const char *opt : {"--help", "--version", "--list-kernels", "--list-points"})
    CHECK(names_option(help.out, opt));
  CHECK(ksmsim_in(dir, "-h").out == help.out);
  CHECK(ksmsim_in(dir, "help").out == help.out);
  const Run unknown = ksmsim_in(dir, "help frobnicate");
  CHECK(unknown.code == 2);
  CHECK(unknown.err.find("unknown command 'frobnicate'") != std::string::npos);
}

TEST_CASE("cli help: every command's --help names each of its options and exits 0", "[cli][help]") {
  TempDir dir;
  for (const std::string &command : listed_commands(dir)) {
    INFO(command);
    const Run help = ksmsim_in(dir, command + " --help");
    CHECK(help.code == 0);
    CHECK(help.err.empty());
    CHECK(help.out.rfind("usage: ksmsim " + command + " ", 0) == 0);
    CHECK(ksmsim_in(dir, command + " -h").out == help.out);
    CHECK(ksmsim_in(dir, "help " + command).out == help.out);
    const std::vector<std::string> options = options_of(dir, command);
    for (const std::string &name : options) {
      INFO(name);
      CHECK(names_option(help.out, name));
    }
    for (const char *always : {"--help", "-h", "--list-options"})
      CHECK(std::find(options.begin(), options.end(), always) != options.end());
    // The exit statuses: each a line "  N  what it means".
    const std::size_t exit_at = help.out.find("\nexit status:\n");
    REQUIRE(exit_at != std::string::npos);
    for (const char *code : {"\n  0  ", "\n  2  "})
      CHECK(help.out.find(code, exit_at) != std::string::npos);
    // Options are one line each: no row of the options section is a
    // continuation.
    bool in = false;
    for (const std::string &l : lines(help.out)) {
      if (l == "options:") {
        in = true;
        continue;
      }
      if (l.empty())
        in = false;
      if (in)
        CHECK(l.rfind("  -", 0) == 0);
    }
  }
}

TEST_CASE("cli help: --help is not taken from another option's value", "[cli][help]") {
  TempDir dir;
  // `--json=-h` writes the JSON to a file named -h: it asks for no help.
  const Run r = ksmsim_in(dir, "run " + q(SCENARIO) + " --quiet --json=-h");
  CHECK(r.code == 0);
  CHECK(r.out.empty());
  CHECK(fs::exists(dir.path / "-h"));
  // `--json -h`: -h is --json's missing value to Boost, not a request.
  const Run v = ksmsim_in(dir, "run " + q(SCENARIO) + " --json -h");
  CHECK(v.code == 2);
  CHECK(v.out.find("usage: ksmsim run") == std::string::npos);
}

TEST_CASE("cli help: each man page names every option of its command", "[cli][help][man]") {
  TempDir dir;
  for (const std::string &command : listed_commands(dir)) {
    INFO(command);
    const std::string page = man_page_text("ksmsim-" + command + ".1");
    REQUIRE(!page.empty());
    for (const char *section : {".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH OPTIONS",
                                ".SH EXIT STATUS", ".SH EXAMPLES", ".SH SEE ALSO"}) {
      INFO(section);
      CHECK(page.find(std::string("\n") + section + "\n") != std::string::npos);
    }
    CHECK(page.find("ksmsim-" + command + " - ") != std::string::npos); // NAME's form
    for (const std::string &name : options_of(dir, command)) {
      INFO(name);
      CHECK(names_option(page, name));
    }
  }
  const std::string overview = man_page_text("ksmsim.1");
  for (const std::string &command : listed_commands(dir))
    CHECK(overview.find("ksmsim-" + command + " (1)") != std::string::npos);
  for (const char *opt : {"--help", "--version", "--list-kernels", "--list-points"})
    CHECK(names_option(overview, opt));
  for (const char *section : {"\n.SH EXIT STATUS\n", "\n.SH FILES\n", "\n.SH SEE ALSO\n"})
    CHECK(overview.find(section) != std::string::npos);
}

TEST_CASE("cli help: --version names the version and the git revision", "[cli][help]") {
  TempDir dir;
  const Run v = ksmsim_in(dir, "--version");
  CHECK(v.code == 0);
  CHECK(std::regex_match(v.out, std::regex("ksmsim [0-9]+\\.[0-9]+\\.[0-9]+ \\(git [^ ()]+\\)\n")));
  CHECK(v.out.rfind(std::string("ksmsim ") + KSMSIM_VERSION + " (git ", 0) == 0);
}

TEST_CASE("cli help: --list-kernels lists profiles that --kernel takes", "[cli][help]") {
  TempDir dir;
  const Run list = ksmsim_in(dir, "--list-kernels");
  REQUIRE(list.code == 0);
  const std::vector<std::string> rows = lines(list.out);
  REQUIRE(rows.size() >= 2);
  CHECK(rows[0].rfind("v3.9  ", 0) == 0);
  for (const std::string &row : rows) {
    INFO(row);
    const std::size_t gap = row.find("  ");
    REQUIRE(gap != std::string::npos);
    CHECK(row.find("(not described)") == std::string::npos);
    const Run r =
        ksmsim_in(dir, "run " + q(SCENARIO) + " --quiet --kernel " + q(row.substr(0, gap)));
    CHECK(r.code <= 1); // the profile is accepted (a regression may fail on it)
  }
  CHECK(ksmsim_in(dir, "--list-kernels").out == list.out);
}

TEST_CASE("cli help: --list-points lists every preemption point in order", "[cli][help]") {
  TempDir dir;
  const Run list = ksmsim_in(dir, "--list-points");
  REQUIRE(list.code == 0);
  std::vector<std::string> names;
  for (const std::string &row : lines(list.out))
    names.push_back(row.substr(0, row.find("  ")));
  std::vector<std::string> expected;
  for (const ksmsim::PreemptionPoint &p : ksmsim::preemption_points())
    expected.push_back(p.name);
  CHECK(names == expected);
}

TEST_CASE("cli stdio: a scenario on stdin, for run, report and explore", "[cli][stdio]") {
  TempDir dir;
  const Run run = ksmsim_in(dir, "run - --quiet <" + q(SCENARIO));
  CHECK(run.code == 0);
  const Run report = ksmsim_in(dir, "report - -o page.html <" + q(SCENARIO));
  INFO(report.err);
  CHECK(report.code == 0);
  // The page holds the scenario's text (read once, from stdin).
  CHECK(slurp(dir.path / "page.html").find("merge-two-processes") != std::string::npos);
  const std::string explore =
      (fs::path(KSMSIM_SOURCE_DIR) / "scenarios/explore/clean/exit-during-scan.yaml").string();
  const Run ex = ksmsim_in(dir, "explore - --max-runs 2 --out found <" + q(explore));
  CHECK(ex.code == 0);
  CHECK(ex.out.find("replays: 0 found") != std::string::npos);
}

TEST_CASE("cli stdio: --json - writes only the JSON to stdout, the summary to stderr",
          "[cli][stdio]") {
  TempDir dir;
  const Run r = ksmsim_in(dir, "run " + q(SCENARIO) + " --json -");
  CHECK(r.code == 0);
  REQUIRE(!r.out.empty());
  CHECK(r.out.front() == '{');
  CHECK(r.out.substr(r.out.size() - 2) == "}\n");
  CHECK(r.out.find("\"result\": \"pass\"") != std::string::npos);
  CHECK(r.err.find("result: PASS") != std::string::npos);
  CHECK(!fs::exists(dir.path / "-"));
  // The trace likewise, and the HTML report's -o.
  const Run t = ksmsim_in(dir, "run " + q(SCENARIO) + " --trace - --list-points");
  CHECK(t.code == 0);
  CHECK(t.out.rfind("# tracer: nop", 0) == 0);
  CHECK(t.err.find("preemption points reached") != std::string::npos);
  // A `dump:` step's text (no file, or file '-') moves to stderr as well.
  const fs::path dumps = dir.write("dumps.yaml", "scenario: dumps\n"
                                                 "steps:\n"
                                                 "  - spawn: A\n"
                                                 "  - mmap: {mm: A, vma: heap, pages: 2}\n"
                                                 "  - dump: text\n"
                                                 "  - dump: {format: text, file: '-'}\n"
                                                 "  - expect: {oops: none}\n");
  const Run d = ksmsim_in(dir, "run " + q(dumps.string()) + " --json -");
  CHECK(d.code == 0);
  CHECK(d.out.front() == '{');
  CHECK(d.out.substr(d.out.size() - 2) == "}\n");
  CHECK(d.err.find("ksm state at step 3") != std::string::npos);
  CHECK(d.err.find("ksm state at step 4") != std::string::npos);
  const Run h = ksmsim_in(dir, "report " + q(SCENARIO) + " -o -");
  CHECK(h.code == 0);
  CHECK(h.out.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(!fs::exists(dir.path / "-"));
}

TEST_CASE("cli stdio: diff reads one trace from stdin", "[cli][stdio]") {
  TempDir dir;
  REQUIRE(ksmsim_in(dir, "run " + q(SCENARIO) + " --quiet --trace a.trace").code == 0);
  const Run d = ksmsim_in(dir, "diff - a.trace <a.trace");
  CHECK(d.code == 0);
  CHECK(d.out.find("A: <stdin>") != std::string::npos);
}

TEST_CASE("cli stdio: '-' where it cannot work is a usage error", "[cli][stdio]") {
  TempDir dir;
  struct Case {
    std::string args, says;
  };
  const std::vector<Case> cases = {
      {"run " + q(SCENARIO) + " --json - --trace -", "both write to stdout"},
      {"run " + q(SCENARIO) + " --timeline - --html -", "both write to stdout"},
      {"run " + q(SCENARIO) + " --dump-at 3 --dump-dir -", "--dump-dir takes a directory"},
      {"explore " + q(SCENARIO) + " --out -", "--out takes a directory"},
      {"compare " + q(SCENARIO) + " --live --trace-dir -", "--trace-dir takes a directory"},
      {"record " + q(SCENARIO) + " --live --trace - --json -", "both write to stdout"},
      {"diff - - </dev/null", "both read stdin"},
      {"step - --script - </dev/null", "both read stdin"},
      {"step - </dev/null", "give --script CMDS"},
  };
  for (const Case &c : cases) {
    INFO(c.args);
    const Run r = ksmsim_in(dir, c.args);
    CHECK(r.code == 2);
    CHECK(r.err.find(c.says) != std::string::npos);
    CHECK(r.out.empty());
  }
  CHECK(!fs::exists(dir.path / "-"));
}
