// SPDX-License-Identifier: GPL-2.0-only
//
// Tests of `ksmsim diff` (sim/trace/tracediff.cpp, tools/cmd_diff.cpp): the
// ftrace text parser on the live samples and on odd columns, the
// normaliser's naming, the alignment, the choice of events and the report;
// then the binary on unreadable input, on the two profiles of a
// regression scenario and on a simulated run against a live capture.

#include "ksmsim/tracediff.h"

#include "catch.h"

#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tests/run_cli.h"
#include "tests/trace_lines.h"

using namespace ksmsim::tracediff;
using catch_compat::Contains;

namespace fs = std::filesystem;

namespace {

const std::string kSource = KSMSIM_SOURCE_DIR;
const std::string kLive = kSource + "/tests/data/live/";

using ksmsim::test::ev;
using ksmsim::test::parse;

const std::string kHeader = "# tracer: nop\n#\n#           TASK-PID     CPU#  |||||  TIMESTAMP  "
                            "FUNCTION\n#              | |         |   |||||     |         |\n";

std::map<std::string, int> counts_of(const Trace &t) {
  std::map<std::string, int> c;
  for (const Event &e : t.events)
    c[e.name]++;
  return c;
}

Event event_of(const std::string &line) {
  std::string expected;
  std::optional<Event> e = parse_event_line(line, &expected);
  INFO(line << " -> " << expected);
  REQUIRE(e);
  return *e;
}

std::string parse_error(const std::string &text) {
  try {
    parse(text);
  } catch (const TraceError &e) {
    return e.what();
  }
  FAIL("no TraceError for: " << text);
  return "";
}

// Rows that are not the same on both sides, as "op a_line b_line".
std::vector<std::string> changes(const Result &r) {
  std::vector<std::string> out;
  for (const Row &row : r.rows)
    if (row.op != ' ')
      out.push_back(fmt::format("{} {} {}", row.op, row.a_line, row.b_line));
  return out;
}

// The longest common subsequence's length, the quadratic way.
size_t lcs_length(const std::vector<int> &a, const std::vector<int> &b) {
  std::vector<std::vector<size_t>> t(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j)
      t[i][j] = a[i - 1] == b[j - 1] ? t[i - 1][j - 1] + 1 : std::max(t[i - 1][j], t[i][j - 1]);
  return t[a.size()][b.size()];
}

std::vector<int> kept(const std::vector<int> &v, const std::vector<bool> &changed) {
  std::vector<int> out;
  for (size_t i = 0; i < v.size(); ++i)
    if (!changed[i])
      out.push_back(v[i]);
  return out;
}

using Output = ksmsim::test::CliOutput;
const auto run_ksmsim = ksmsim::test::run_cli;

// A directory of its own for the traces a test writes.
struct TempDir : ksmsim::test::ScratchDir {
  TempDir() : ScratchDir("tracediff") {}
};

// The first row of the first divergence in a text report.
std::string first_changed_row(const std::string &report) {
  std::istringstream in(report.substr(report.find("first divergence")));
  for (std::string line; std::getline(in, line);)
    if (line.rfind("  + ", 0) == 0 || line.rfind("  - ", 0) == 0)
      return line;
  return "";
}

} // namespace

TEST_CASE("parser: the live 6.18 samples, every event counted", "[tracediff]") {
  const Trace t = read_trace(kLive + "ksm-merge-unmerge-6.18.trace");
  // grep -c ': NAME: ' on the file
  CHECK(counts_of(t) == std::map<std::string, int>{{"ksm_enter", 2},
                                                   {"ksm_exit", 2},
                                                   {"ksm_merge_with_ksm_page", 32},
                                                   {"ksm_remove_ksm_page", 1},
                                                   {"ksm_remove_rmap_item", 31},
                                                   {"ksm_start_scan", 249},
                                                   {"ksm_stop_scan", 249},
                                                   {"tracing_mark_write", 8}});
  REQUIRE(t.events.size() == 574);
  CHECK(t.events.front().line == 13);
  CHECK(t.events.front().task == "ksmdemo");
  CHECK(t.events[5].line == 18);
  CHECK(t.events[5].task == "ksmd");
  CHECK(t.events[5].text == "pfn 1147755 rmap_item 00000000a33f97bf mm 000000002d4feeb8 error 0");
  CHECK(t.events.back().line == 586);
  CHECK(t.events.back().task == "capture.sh");

  const Trace alive = read_trace(kLive + "ksm-merge-unmerge-alive-6.18.trace");
  CHECK(counts_of(alive) == std::map<std::string, int>{{"ksm_enter", 2},
                                                       {"ksm_exit", 2},
                                                       {"ksm_merge_with_ksm_page", 32},
                                                       {"ksm_remove_ksm_page", 1},
                                                       {"ksm_remove_rmap_item", 31},
                                                       {"ksm_start_scan", 292},
                                                       {"ksm_stop_scan", 292},
                                                       {"tracing_mark_write", 9}});
}

TEST_CASE("parser: 4- and 5-character flags, tgid and irq columns", "[tracediff]") {
  const Event five = event_of("            ksmd-37      [001] .....   283.340066: ksm_start_scan: "
                              "seq 1 rmap size 64");
  CHECK(five.task == "ksmd");
  CHECK(five.name == "ksm_start_scan");
  CHECK(five.text == "seq 1 rmap size 64");
  const Event four = event_of("            ksmd-37    [000] d..1  1234.567890: ksm_stop_scan: seq "
                              "2 rmap size 8  ");
  CHECK(four.name == "ksm_stop_scan");
  CHECK(four.text == "seq 2 rmap size 8");
  CHECK(event_of("  ksmd-37  (     37) [001] .... 1.5: ksm_exit: mm 00000000deadbeef").task ==
        "ksmd");
  CHECK(event_of("  ksmd-37  (-------) [001] ..... 1.5: ksm_exit: mm 0").task == "ksmd");
  CHECK(event_of("ksmd-37 [001] 1.5: ksm_exit: mm 0").name == "ksm_exit");          // no flags
  CHECK(event_of("ksmd-37 [001] ..... 123456: ksm_exit: mm 0").name == "ksm_exit"); // counter clock
  CHECK(event_of("ksmd-37 [001] ..... 1.5: ksm_exit: mm 0\r").text == "mm 0");
}

TEST_CASE("parser: comm with dashes and blanks, split at the last '-'", "[tracediff]") {
  CHECK(event_of("  kworker/u8:2-events-123  [000] ..... 1.0: ksm_enter: mm 1").task ==
        "kworker/u8:2-events");
  CHECK(event_of("     Web Content-4242    [001] ..... 1.0: ksm_enter: mm 1").task ==
        "Web Content");
  CHECK(event_of("foo-12-34 [001] ..... 1.0: ksm_enter: mm 1").task == "foo-12");
  CHECK(event_of("  (sd-pam)-1234 ( 1234) [001] ..... 1.0: ksm_enter: mm 1").task == "(sd-pam)");
  CHECK(event_of("           <...>-37      [001] ..... 1.0: ksm_enter: mm 1").task == "<...>");
}

TEST_CASE("parser: header and blank lines skipped, broken lines named", "[tracediff]") {
  const Trace t = parse(kHeader + "\n" + ev("ksmd", "ksm_start_scan", "seq 0 rmap size 0") +
                        "   \n" + ev("ksmd", "ksm_stop_scan", "seq 0 rmap size 0"));
  REQUIRE(t.events.size() == 2);
  CHECK(t.events[0].line == 6);
  CHECK(t.events[1].line == 8);

  CHECK(parse_error(kHeader + "hello world\n") ==
        "t.trace:5: expected a '[CPU]' field such as '[001]' in an event line "
        "'TASK-PID [CPU] FLAGS TIMESTAMP: EVENT: TEXT' (or a '#' header line, or a blank line)");
  CHECK_THAT(parse_error("\nksmd-37 [001] ..... ksm_exit: mm 0\n"),
             Contains("t.trace:2: expected 'TIMESTAMP:'"));
  CHECK_THAT(parse_error("ksmd-37 [001] ..... 1.0: ksm_exit mm 0\n"),
             Contains("t.trace:1: expected 'EVENT:'"));
  CHECK_THAT(parse_error("ksmd [001] ..... 1.0: ksm_exit: mm 0\n"),
             Contains("t.trace:1: expected 'TASK-PID'"));
  CHECK_THROWS_WITH(read_trace("/nonexistent/x.trace"), "/nonexistent/x.trace: cannot open");
}

TEST_CASE("normaliser: values named per kind in order of first appearance", "[tracediff]") {
  Namer n;
  CHECK(n.name("mm", "aaaa") == "mm#1");
  CHECK(n.name("mm", "bbbb") == "mm#2");
  CHECK(n.name("mm", "aaaa") == "mm#1");
  CHECK(n.name("rmap_item", "bbbb") == "rmap_item#1");
  CHECK(n.name("kpfn", "7") == "kpfn#1");
  CHECK(n.name("mm", "cccc") == "mm#3");

  Namer m;
  CHECK(normalise_text("pfn 1147755 rmap_item 00000000a33f97bf mm 000000002d4feeb8 error 0", m) ==
        "pfn kpfn#1 rmap_item rmap_item#1 mm mm#1 error 0");
  CHECK(normalise_text("ksm pfn 1147755 rmap_item 0000000038bb90eb mm 000000002d4feeb8 error 0",
                       m) == "ksm pfn kpfn#1 rmap_item rmap_item#2 mm mm#1 error 0");
  CHECK(normalise_text("pfn 99", m) == "pfn kpfn#2");
  CHECK(normalise_text("mm 000000008e4b33f4", m) == "mm mm#2");
  CHECK(normalise_text("pfn 2 -> pfn 1147755", m) == "pfn kpfn#3 -> pfn kpfn#1");
  CHECK(normalise_text("at ffff888100000040", m) == "at ptr#1");
  // Not values: seq numbers, sizes, errors, ksmsim's mm names, addresses.
  CHECK(normalise_text("seq 1   rmap size 64", m) == "seq 1 rmap size 64");
  CHECK(normalise_text("mm A pid 1000", m) == "mm A pid 1000");
  CHECK(normalise_text("mm A vma heap start 0x10000000 pages 64", m) ==
        "mm A vma heap start 0x10000000 pages 64");

  CHECK(normalise_task("ksmd", false) == "ksmd");
  CHECK(normalise_task("ksmdemo", false) == "task");
  CHECK(normalise_task("ksmdemo", true) == "ksmdemo");
}

TEST_CASE("normaliser: the live sample's merges and removals", "[tracediff]") {
  const Trace t = read_trace(kLive + "ksm-merge-unmerge-6.18.trace");
  const Result r = diff(t, t, {});
  std::vector<std::string> merges, removals;
  for (const Row &row : r.rows) {
    if (row.text.find("ksm_merge_with_ksm_page") != std::string::npos)
      merges.push_back(row.text);
    if (row.text.find("ksm_remove_rmap_item") != std::string::npos)
      removals.push_back(row.text);
  }
  REQUIRE(merges.size() == 32);
  CHECK(merges[0] == "ksmd ksm_merge_with_ksm_page: pfn kpfn#1 rmap_item rmap_item#1 mm mm#1 "
                     "error 0");
  CHECK(merges[31] == "ksmd ksm_merge_with_ksm_page: ksm pfn kpfn#1 rmap_item rmap_item#32 mm "
                      "mm#1 error 0");
  // run=2 removes them in the reverse order, from the writer of run.
  REQUIRE(removals.size() == 31);
  CHECK(removals[0] == "task ksm_remove_rmap_item: pfn kpfn#1 rmap_item rmap_item#32 mm mm#1");
  CHECK(removals[30] == "task ksm_remove_rmap_item: pfn kpfn#1 rmap_item rmap_item#1 mm mm#1");
}

TEST_CASE("align: minimal edit scripts, checked against a quadratic LCS", "[tracediff]") {
  std::mt19937 rng(42);
  for (int round = 0; round < 500; ++round) {
    std::vector<int> a(rng() % 40), b(rng() % 40);
    const int alphabet = 1 + static_cast<int>(rng() % 5);
    for (int &x : a)
      x = static_cast<int>(rng() % alphabet);
    for (int &x : b)
      x = static_cast<int>(rng() % alphabet);
    const Alignment al = align(a, b);
    REQUIRE(al.a_changed.size() == a.size());
    REQUIRE(al.b_changed.size() == b.size());
    const std::vector<int> ka = kept(a, al.a_changed);
    CHECK(ka == kept(b, al.b_changed));
    CHECK(ka.size() == lcs_length(a, b));
  }
}

TEST_CASE("align: long traces that differ a lot stay quick", "[tracediff]") {
  std::vector<int> a(30000), b(30000);
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = static_cast<int>(i % 7);
    b[i] = static_cast<int>((i * 31) % 11);
  }
  const Alignment al = align(a, b);
  CHECK(kept(a, al.a_changed) == kept(b, al.b_changed));
}

TEST_CASE("diff: a trace against itself is equivalent", "[tracediff]") {
  const Trace t = read_trace(kLive + "ksm-merge-unmerge-alive-6.18.trace");
  Options marks;
  marks.marks = true;
  const Result r = diff(t, t, marks);
  CHECK(r.equivalent());
  CHECK(r.rows.size() == 661);
  CHECK(r.notes.empty());
  CHECK_THAT(text_report(r, 3), Contains("equivalent: 661 events compared on each side"));
  // By default the 9 tracing_mark_write markers are left out.
  const Result plain = diff(t, t, {});
  CHECK(plain.equivalent());
  CHECK(plain.rows.size() == 652);
  CHECK(plain.notes.size() == 1);
}

TEST_CASE("diff: one changed event, reported at its original lines", "[tracediff]") {
  const std::string before = ev("A", "ksm_enter", "mm ffff888100000040") +
                             ev("ksmd", "ksm_start_scan", "seq 0 rmap size 0") +
                             ev("ksmd", "ksm_stop_scan", "seq 0 rmap size 2");
  const std::string after = ev("ksmd", "ksm_start_scan", "seq 1 rmap size 2") +
                            ev("ksmd", "ksm_stop_scan", "seq 1 rmap size 2");
  const Trace a = parse(
      kHeader + before + ev("ksmd", "ksm_start_scan", "seq 1 rmap size 2") + after, "a.trace");
  // B has two more header lines and a blank one: its line numbers are 3 on.
  const Trace b = parse(kHeader + "#\n#\n" + before + "\n" +
                            ev("ksmd", "ksm_start_scan", "seq 1 rmap size 3") + after,
                        "b.trace");
  const Result r = diff(a, b, {});
  CHECK_FALSE(r.equivalent());
  CHECK(changes(r) == std::vector<std::string>{"- 8 0", "+ 0 11"});
  CHECK(r.blocks == 1);
  const std::string report = text_report(r, 1);
  CHECK_THAT(report, Contains("first divergence: A line 8, B line 11\n"));
  CHECK_THAT(report, Contains("different: 1 block(s), 1 event(s) only in A, 1 only in B"));
  // One row of context on each side, with both line numbers.
  CHECK_THAT(report, Contains("    A line  B line\n"
                              "         7       9  ksmd ksm_stop_scan: seq 0 rmap size 2\n"
                              "  -      8          ksmd ksm_start_scan: seq 1 rmap size 2\n"
                              "  +             11  ksmd ksm_start_scan: seq 1 rmap size 3\n"
                              "         9      12  ksmd ksm_start_scan: seq 1 rmap size 2\n"
                              "events:\n"));
  const nlohmann::json first = nlohmann::json::parse(json_report(r, 1)).at("first_divergence");
  CHECK(first.at("a_line") == 8);
  CHECK(first.at("b_line") == 11);
}

TEST_CASE("diff: --only and --ignore, with '*' as a prefix wildcard", "[tracediff]") {
  CHECK(pattern_matches("ksm_enter", "ksm_enter"));
  CHECK_FALSE(pattern_matches("ksm_enter", "ksm_enter2"));
  CHECK(pattern_matches("ksmsim_*", "ksmsim_step"));
  CHECK_FALSE(pattern_matches("ksmsim_*", "ksm_enter"));
  CHECK(pattern_matches("*", "anything"));

  const Trace a = parse(ev("A", "ksm_enter", "mm ffff888100000040") +
                        ev("ksmd", "ksm_merge_with_ksm_page",
                           "pfn 2 rmap_item ffff888200000080 mm ffff888100000040 error 0"));
  const Trace b = parse(ev("A", "ksm_enter", "mm ffff888100000040") +
                        ev("ksmd", "ksm_merge_with_ksm_page",
                           "pfn 2 rmap_item ffff888200000080 mm ffff888100000040 error -14"));
  CHECK_FALSE(diff(a, b, {}).equivalent());
  Options only;
  only.only = {"ksm_enter"};
  CHECK(diff(a, b, only).equivalent());
  Options ignore;
  ignore.ignore = {"ksm_merge*"};
  const Result r = diff(a, b, ignore);
  CHECK(r.equivalent());
  REQUIRE(r.counts.size() == 2);
  CHECK(r.counts[1].name == "ksm_merge_with_ksm_page");
  CHECK(r.counts[1].ignored);
  CHECK_THAT(text_report(r, 3), Contains("ksm_merge_with_ksm_page       1       1  ignored"));
  Options both;
  both.only = {"ksm_*"};
  both.ignore = {"ksm_enter"};
  CHECK_FALSE(diff(a, b, both).equivalent());
}

TEST_CASE("diff: ksmsim_* events compared only when both sides have them", "[tracediff]") {
  // The ksmsim_* event names a pfn first; left out, the ksm_* numbering
  // starts as if it were not there.
  const std::string sim = ev("A", "ksmsim_step", "1 spawn line 9") +
                          ev("A", "ksmsim_swapin", "mm A addr 10000000 entry 1 pfn 5") +
                          ev("ksmd", "ksm_remove_ksm_page", "pfn 7");
  const Trace a = parse(sim, "sim.trace");
  const Trace live = parse(ev("bash", "tracing_mark_write", "start") +
                               ev("ksmd", "ksm_remove_ksm_page", "pfn 1147755"),
                           "live.trace");
  const Result r = diff(a, live, {});
  CHECK(r.equivalent());
  CHECK(r.notes ==
        std::vector<std::string>{"ksmsim_* events left out: only A has them (2 events)",
                                 "tracing_mark_write left out: markers are compared only with "
                                 "--marks (0 in A, 1 in B)"});
  CHECK_THAT(text_report(r, 3), Contains("  ksmsim_step               1       0  left out\n"));

  const Trace other =
      parse(ev("A", "ksmsim_step", "2 spawn line 9") + ev("ksmd", "ksm_remove_ksm_page", "pfn 7"));
  const Result both = diff(a, other, {});
  CHECK_FALSE(both.equivalent());
  CHECK(both.notes.empty());
  // Compared, the swapin's pfn is kpfn#1 in A, and the removal's kpfn#2.
  CHECK(changes(both) == std::vector<std::string>{"- 1 0", "- 2 0", "- 3 0", "+ 0 1", "+ 0 2"});
}

TEST_CASE("cli: unreadable input exits 2 with file:line", "[tracediff][cli]") {
  TempDir dir;
  {
    std::ofstream f(dir.path / "broken.trace");
    f << kHeader << ev("ksmd", "ksm_start_scan", "seq 0 rmap size 0") << "\nnot an event\n";
  }
  const std::string live = "'" + kLive + "ksm-merge-unmerge-6.18.trace'";
  Output o = run_ksmsim("diff " + live + " " + dir.file("broken.trace"));
  CHECK(o.code == 2);
  CHECK_THAT(o.text, Contains("broken.trace:7: expected a '[CPU]' field"));

  o = run_ksmsim("diff " + dir.file("missing.trace") + " " + live);
  CHECK(o.code == 2);
  CHECK_THAT(o.text, Contains("missing.trace: cannot open"));

  o = run_ksmsim("diff " + live);
  CHECK(o.code == 2);
  CHECK_THAT(o.text, Contains("two traces are needed"));
}

TEST_CASE("cli: the regression scenario's two profiles part where the fix copies",
          "[tracediff][cli]") {
  TempDir dir;
  const std::string scenario =
      "'" + kSource + "/scenarios/regressions/swapin-behind-unmerge-cursor.yaml'";
  REQUIRE(run_ksmsim("run " + scenario + " --quiet --trace " + dir.file("without.trace")).code ==
          0);
  REQUIRE(run_ksmsim("run " + scenario + " --quiet --kernel v3.9 --trace " + dir.file("with.trace"))
              .code == 0);
  const Output same = run_ksmsim("diff " + dir.file("with.trace") + " " + dir.file("with.trace"));
  CHECK(same.code == 0);
  const Output o = run_ksmsim("diff " + dir.file("without.trace") + " " + dir.file("with.trace"));
  CHECK(o.code == 1);
  // Before the fix A maps the KSM page back; with it the fault copies it.
  CHECK_THAT(first_changed_row(o.text), Contains("ksmsim_ksm_copy: pfn kpfn#1 -> pfn kpfn#2"));
  // WARN_ON_ONCE (mm/ksm.c:715) warns once, in run=2's sweep; the switch is refused silently.
  CHECK_THAT(o.text, Contains("ksmsim_warning                1       0  differs"));

  const Output json =
      run_ksmsim("diff " + dir.file("without.trace") + " " + dir.file("with.trace") + " --json -");
  CHECK(json.code == 1);
  CHECK(json.text.rfind("{\n", 0) == 0);
  CHECK_THAT(json.text, Contains("\"equivalent\": false"));
}

TEST_CASE("cli: a simulated run against the live capture", "[tracediff][cli]") {
  TempDir dir;
  REQUIRE(run_ksmsim("run '" + kSource + "/tests/data/traces/live-merge-unmerge.yaml' --quiet " +
                     "--trace " + dir.file("sim.trace"))
              .code == 0);
  const std::string both = dir.file("sim.trace") + " '" + kLive + "ksm-merge-unmerge-6.18.trace'";
  const Output o = run_ksmsim("diff " + both);
  CHECK(o.code == 1);
  CHECK_THAT(o.text, Contains("ksmsim_* events left out: only A has them"));
  CHECK_THAT(o.text, Contains("ksm_start_scan                5     249  differs"));
  // Apart from how many scans fit between the steps, the events match one
  // for one, rmap_items and pfns included.
  const Output same =
      run_ksmsim("diff " + both + " --ignore ksm_start_scan --ignore ksm_stop_scan");
  CHECK(same.code == 0);
  CHECK_THAT(same.text, Contains("equivalent: 68 events compared on each side"));
}
