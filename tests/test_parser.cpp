// SPDX-License-Identifier: GPL-2.0-only
//
// Tests of the YAML scenario parser (sim/scenario/scenario_parser.cpp).

#include "ksmsim/scenario.h"

#include "catch.h"

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <vector>

using namespace ksmsim::scenario;
using catch_compat::Contains;

namespace {

Scenario parse(const std::string &text) {
  return parse_text(text, "t.yaml");
}

// A scenario whose steps start with mm A owning vma heap (64 pages); the
// steps given here start on line 6, indented like "  - write: ...".
std::string with_steps(const std::string &steps) {
  return "scenario: t\n"
         "machine: {nodes: 2, swap_pages: 16}\n"
         "steps:\n"
         "  - spawn: A\n"
         "  - mmap: {mm: A, vma: heap, pages: 64}\n" +
         steps;
}

// The step after the two set-up steps of with_steps().
Step step_of(const std::string &steps, std::size_t n = 0) {
  Scenario s = parse(with_steps(steps));
  REQUIRE(s.steps.size() > 2 + n);
  return s.steps[2 + n];
}

template <typename T> T body_of(const std::string &steps, std::size_t n = 0) {
  Step step = step_of(steps, n);
  REQUIRE(std::holds_alternative<T>(step.body));
  return std::get<T>(step.body);
}

// The given line of text with a caret under the given column (for messages).
std::string point_at(const std::string &text, int line, int column) {
  std::size_t begin = 0;
  for (int i = 1; i < line && begin != std::string::npos; ++i) {
    begin = text.find('\n', begin);
    begin = begin == std::string::npos ? begin : begin + 1;
  }
  if (begin == std::string::npos || line < 1 || column < 1) {
    return "(no such position)";
  }
  std::string shown = text.substr(begin, text.find('\n', begin) - begin);
  return shown + "\n" + std::string(static_cast<std::size_t>(column - 1), ' ') + "^";
}

void check_error(const std::string &text, int line, int column, const std::string &part) {
  try {
    parse(text);
    FAIL("no ScenarioError for:\n" << text);
  } catch (const ScenarioError &e) {
    INFO(e.what() << "\nreported at:\n"
                  << point_at(text, e.location().line, e.location().column) << "\nexpected at:\n"
                  << point_at(text, line, column));
    CHECK(e.location().file == "t.yaml");
    CHECK(e.location().line == line);
    CHECK(e.location().column == column);
    CHECK_THAT(e.message(), Contains(part));
  }
}

void check_step_error(const std::string &steps, int line, int column, const std::string &part) {
  check_error(with_steps(steps), line, column, part);
}

std::vector<std::uint32_t> range(std::uint32_t first, std::uint32_t last) {
  std::vector<std::uint32_t> out;
  for (std::uint32_t i = first; i <= last; ++i) {
    out.push_back(i);
  }
  return out;
}

} // namespace

// --- top level ---------------------------------------------------------------

TEST_CASE("a minimal scenario takes every default", "[parser]") {
  Scenario s = parse("scenario: merge-two.processes_1\nsteps: []\n");
  CHECK(s.name == "merge-two.processes_1");
  CHECK(s.file == "t.yaml");
  CHECK(s.description.empty());
  CHECK(s.kernel.version == "v3.9");
  CHECK(s.kernel.without.empty());
  CHECK(s.seed == 0);
  CHECK(s.machine.nodes == 1);
  CHECK(s.machine.pages_per_node == 262144);
  CHECK(s.machine.swap_pages == 0);
  CHECK(s.ksm.empty());
  CHECK(s.steps.empty());
}

TEST_CASE("every top-level key is read", "[parser]") {
  Scenario s = parse(R"(scenario: full
description: free text
kernel: v3.9
seed: 42
machine:
  nodes: 2
  pages_per_node: 1024
  swap_pages: 8
ksm:
  sleep_millisecs: 20
  run: 0
  pages_to_scan: 100
  merge_across_nodes: 1
  advisor_mode: scan-time
steps:
  - spawn: A
)");
  CHECK(s.description == "free text");
  CHECK(s.seed == 42);
  CHECK(s.machine.nodes == 2);
  CHECK(s.machine.pages_per_node == 1024);
  CHECK(s.machine.swap_pages == 8);
  using KV = std::pair<std::string, std::string>;
  CHECK(s.ksm == std::vector<KV>{{"sleep_millisecs", "20"},
                                 {"run", "0"},
                                 {"pages_to_scan", "100"},
                                 {"merge_across_nodes", "1"},
                                 {"advisor_mode", "scan-time"}});
  REQUIRE(s.ksm_locs.size() == 5);
  CHECK(s.ksm_locs[1].line == 11);
  CHECK(s.ksm_locs[1].column == 3);
  REQUIRE(s.steps.size() == 1);
  CHECK(s.steps[0].loc.line == 16);
  CHECK(s.steps[0].loc.column == 5);
}

TEST_CASE("kernel profiles", "[parser]") {
  SECTION("a plain version") {
    Scenario s = parse("scenario: t\nkernel: v3.9\nsteps: []\n");
    CHECK(s.kernel.version == "v3.9");
    CHECK(s.kernel.loc.line == 2);
    CHECK(s.kernel.loc.column == 9);
  }
  SECTION("a version without fixes") {
    Scenario s = parse("scenario: t\nkernel: {version: v3.9, without: [stale-stable-sweep, "
                       "unmerge-enter-at-tail, unmerge-swapin-copy, uptodate-copy]}\nsteps: []\n");
    CHECK(s.kernel.version == "v3.9");
    CHECK(s.kernel.without == std::vector<std::string>{"stale-stable-sweep",
                                                       "unmerge-enter-at-tail",
                                                       "unmerge-swapin-copy", "uptodate-copy"});
  }
  SECTION("an unknown fix name") {
    check_error(
        "scenario: t\nkernel: {version: v3.9, without: [uptodate-copy, bogus]}\nsteps: []\n", 2, 50,
        "unknown fix 'bogus'");
  }
  SECTION("an unknown version") {
    check_error("scenario: t\nkernel: v9.9\nsteps: []\n", 2, 9, "unknown kernel version 'v9.9'");
  }
  SECTION("without must be a list") {
    check_error("scenario: t\nkernel: {without: uptodate-copy}\nsteps: []\n", 2, 19,
                "without: expected a list");
  }
}

// --- each step kind ------------------------------------------------------------

TEST_CASE("spawn, mmap and fork track names", "[parser]") {
  Scenario s = parse(with_steps("  - mmap: {mm: A, vma: stack, pages: 4, node: 1}\n"
                                "  - fork: {parent: A, child: B}\n"
                                "  - write: {mm: B, vma: stack, pages: 3, fill: 1}\n"));
  REQUIRE(s.steps.size() == 5);
  const Step &spawn = s.steps[0];
  CHECK(spawn.kind == "spawn");
  CHECK(spawn.index == 1);
  CHECK(spawn.loc.line == 4);
  CHECK(spawn.loc.column == 5);
  CHECK(std::get<Spawn>(spawn.body).mm == "A");

  const Mmap &heap = std::get<Mmap>(s.steps[1].body);
  CHECK(heap.mm == "A");
  CHECK(heap.vma == "heap");
  CHECK(heap.pages == 64);
  CHECK(!heap.node);
  const Mmap &stack = std::get<Mmap>(s.steps[2].body);
  CHECK(stack.pages == 4);
  CHECK(stack.node == 1);

  CHECK(s.steps[3].kind == "fork");
  CHECK(std::get<Fork>(s.steps[3].body).parent == "A");
  CHECK(std::get<Fork>(s.steps[3].body).child == "B");
  CHECK(s.steps[4].index == 5);
}

TEST_CASE("munmap with and without pages", "[parser]") {
  Munmap whole = body_of<Munmap>("  - munmap: {mm: A, vma: heap}\n");
  CHECK(whole.mm == "A");
  CHECK(whole.vma == "heap");
  CHECK(!whole.pages);
  Munmap part = body_of<Munmap>("  - munmap: {mm: A, vma: heap, pages: 1-2}\n");
  REQUIRE(part.pages);
  CHECK(part.pages->indexes() == std::vector<std::uint32_t>{1, 2});
}

TEST_CASE("a vma unmapped whole may be mapped again", "[parser]") {
  Scenario s = parse(with_steps("  - munmap: {mm: A, vma: heap}\n"
                                "  - mmap: {mm: A, vma: heap, pages: 8}\n"
                                "  - read: {mm: A, vma: heap, pages: all}\n"));
  CHECK(std::get<Read>(s.steps[4].body).pages.indexes() == range(0, 7));
}

TEST_CASE("write, read and madvise", "[parser]") {
  Write w = body_of<Write>("  - write: {mm: A, vma: heap, pages: 0-63, fill: 'a'}\n");
  CHECK(w.mm == "A");
  CHECK(w.vma == "heap");
  CHECK(w.pages.indexes() == range(0, 63));
  CHECK(w.pages.loc.line == 6);
  CHECK(w.pages.loc.column == 38);

  Read r = body_of<Read>("  - read: {mm: A, vma: heap, pages: 5}\n");
  CHECK(r.pages.indexes() == std::vector<std::uint32_t>{5});
  Read all = body_of<Read>("  - read: {mm: A, vma: heap}\n");
  CHECK(all.pages.indexes() == range(0, 63));

  struct Case {
    const char *word;
    Advice advice;
  };
  for (Case c : {Case{"mergeable", Advice::Mergeable}, Case{"unmergeable", Advice::Unmergeable},
                 Case{"pageout", Advice::Pageout}, Case{"dontneed", Advice::Dontneed}}) {
    Madvise m =
        body_of<Madvise>(std::string("  - madvise: {mm: A, vma: heap, advice: ") + c.word + "}\n");
    CHECK(m.advice == c.advice);
    CHECK(!m.pages);
  }
  Madvise part = body_of<Madvise>("  - madvise: {mm: A, vma: heap, advice: pageout, pages: 3}\n");
  REQUIRE(part.pages);
  CHECK(part.pages->indexes() == std::vector<std::uint32_t>{3});
}

TEST_CASE("exit keeps the name", "[parser]") {
  Scenario s = parse(with_steps("  - exit: A\n  - read: {mm: A, vma: heap, pages: 0}\n"));
  CHECK(std::get<Exit>(s.steps[2].body).mm == "A");
  CHECK(s.steps[3].kind == "read");
}

TEST_CASE("swapout, swapin and migrate", "[parser]") {
  Swapout out = body_of<Swapout>("  - swapout: {mm: A, vma: heap, pages: 0-3}\n");
  CHECK(out.pages.indexes() == range(0, 3));
  CHECK(!out.keep_swapcache);
  out = body_of<Swapout>("  - swapout: {mm: A, vma: heap, pages: 0, keep_swapcache: true}\n");
  CHECK(out.keep_swapcache);

  Swapin in = body_of<Swapin>("  - swapin: {mm: A, vma: heap, pages: 2}\n");
  CHECK(in.pages.indexes() == std::vector<std::uint32_t>{2});
  CHECK(!in.io_error);
  in = body_of<Swapin>("  - swapin: {mm: A, vma: heap, pages: 2, io_error: true}\n");
  CHECK(in.io_error);

  Migrate m = body_of<Migrate>("  - migrate: {mm: A, vma: heap, pages: 0-3, node: 1}\n");
  CHECK(m.pages.indexes() == range(0, 3));
  CHECK(m.node == 1);
}

TEST_CASE("sysfs keeps the order and text of its writes", "[parser]") {
  Sysfs s = body_of<Sysfs>("  - sysfs: {merge_across_nodes: 0, run: 2, pages_to_scan: 1e3}\n");
  using KV = std::pair<std::string, std::string>;
  CHECK(s.writes ==
        std::vector<KV>{{"merge_across_nodes", "0"}, {"run", "2"}, {"pages_to_scan", "1e3"}});
}

TEST_CASE("sleep and wait", "[parser]") {
  CHECK(body_of<Sleep>("  - sleep: 250ms\n").duration == 250000);
  CHECK(body_of<Sleep>("  - sleep: 2s\n").duration == 2000000);
  CHECK(body_of<Sleep>("  - sleep: 100\n").duration == 100000);

  Wait w = body_of<Wait>("  - wait: {full_scans: 2}\n");
  CHECK(w.full_scans == 2);
  CHECK(w.timeout == 3600ULL * 1000 * 1000);
  w = body_of<Wait>("  - wait: {full_scans: 1, timeout: 10s}\n");
  CHECK(w.timeout == 10000000);
}

TEST_CASE("expect reads every kind of expectation", "[parser]") {
  Step step = step_of(R"(  - fork: {parent: A, child: B}
  - expect:
      pages_shared: 1
      pages_sharing: 63
      pages_unshared: 0
      pages_volatile: 0
      full_scans: 3
      run: 1
      mm: {A: {ksm_rmap_items: 64, merged: 64}, B: {merged: 0}}
      page: {mm: B, vma: heap, page: 3, ksm: true, shared_with: 2, node: 1}
      oops: none
      invariants: ok
)",
                      1);
  CHECK(step.kind == "expect");
  const Expect &e = std::get<Expect>(step.body);
  CHECK(e.loc.line == 7);
  CHECK(e.loc.column == 5);
  using KV = std::pair<std::string, std::uint64_t>;
  CHECK(e.counters == std::vector<KV>{{"pages_shared", 1},
                                      {"pages_sharing", 63},
                                      {"pages_unshared", 0},
                                      {"pages_volatile", 0},
                                      {"full_scans", 3},
                                      {"run", 1}});
  REQUIRE(e.counter_locs.size() == 6);
  CHECK(e.counter_locs[1].line == 9);
  CHECK(e.counter_locs[1].column == 7);
  REQUIRE(e.mms.size() == 2);
  CHECK(e.mms[0].mm == "A");
  CHECK(e.mms[0].ksm_rmap_items == 64u);
  CHECK(e.mms[0].merged == 64u);
  CHECK(e.mms[1].mm == "B");
  CHECK(!e.mms[1].ksm_rmap_items);
  CHECK(e.mms[1].merged == 0u);
  REQUIRE(e.pages.size() == 1);
  const PageExpect &p = e.pages[0];
  CHECK(p.mm == "B");
  CHECK(p.vma == "heap");
  CHECK(p.page == 3);
  CHECK(p.ksm == true);
  CHECK(p.shared_with == 2u);
  CHECK(p.node == 1);
  CHECK(!p.present);
  CHECK(!p.swapped);
  CHECK(e.oops == "none");
  CHECK(e.invariants == true);
}

TEST_CASE("expect page as a list, oops naming a function, violated invariants", "[parser]") {
  Expect e = body_of<Expect>(R"(  - expect:
      page:
        - {mm: A, vma: heap, page: 0, present: false}
        - {mm: A, vma: heap, page: 63, swapped: true}
      oops: remove_rmap_item_from_tree
      invariants: violated
)");
  REQUIRE(e.pages.size() == 2);
  CHECK(e.pages[0].present == false);
  CHECK(e.pages[1].page == 63);
  CHECK(e.pages[1].swapped == true);
  CHECK(e.pages[1].loc.line == 9);
  CHECK(e.oops == "remove_rmap_item_from_tree");
  CHECK(e.invariants == false);
}

TEST_CASE("detected: takes the name of every detector report the model makes", "[parser]") {
  // Every name model/ and sim/ pass to detector_report or detector_stop,
  // read from the sources (so a new detector cannot be left out).
  std::set<std::string> made;
  const std::regex call(R"re((detector_report|detector_stop)\([^;]*?"([a-z-]+)")re");
  for (const char *dir : {"model", "sim"}) {
    for (const auto &f : std::filesystem::recursive_directory_iterator(
             std::string(KSMSIM_SOURCE_DIR) + "/" + dir)) {
      if (f.path().extension() != ".cpp" && f.path().extension() != ".h")
        continue;
      std::ifstream in(f.path());
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      for (std::sregex_iterator m(text.begin(), text.end(), call), end; m != end; ++m)
        made.insert((*m)[2]);
    }
  }
  REQUIRE(made.size() >= 8);
  for (const std::string &name : made) {
    CAPTURE(name);
    Expect e = body_of<Expect>("  - expect: {detected: " + name + "}\n");
    CHECK(e.detected == name);
  }
  CHECK_THROWS_WITH(body_of<Expect>("  - expect: {detected: no-such-detector}\n"),
                    Contains("detected: expected none, a detector ("));
}

// --- page ranges -----------------------------------------------------------------

TEST_CASE("page sets", "[parser]") {
  auto pages = [](const std::string &spelling) {
    return body_of<Read>("  - read: {mm: A, vma: heap, pages: " + spelling + "}\n").pages.indexes();
  };
  CHECK(pages("7") == std::vector<std::uint32_t>{7});
  CHECK(pages("0-63") == range(0, 63));
  CHECK(pages("[0, 3, 9-12]") == std::vector<std::uint32_t>{0, 3, 9, 10, 11, 12});
  CHECK(pages("all") == range(0, 63));
  CHECK(pages("0x3f") == std::vector<std::uint32_t>{63});
  CHECK(pages("[5, 2]") == std::vector<std::uint32_t>{5, 2});
}

// --- content ---------------------------------------------------------------------

TEST_CASE("write content forms", "[parser]") {
  auto content = [](const std::string &spelling) {
    return body_of<Write>("  - write: {mm: A, vma: heap, pages: 0, " + spelling + "}\n").content;
  };
  Content c = content("fill: 0x61");
  CHECK(c.base == Content::Base::Fill);
  CHECK(c.value == 0x61);
  CHECK(!c.poke);

  c = content("fill: 'a'");
  CHECK(c.base == Content::Base::Fill);
  CHECK(c.value == 'a');
  CHECK(content("fill: \"7\"").value == '7');
  CHECK(content("fill: 7").value == 7);

  c = content("word: 0x0123456789abcdef");
  CHECK(c.base == Content::Base::Word);
  CHECK(c.value == 0x0123456789abcdefULL);
  CHECK(content("word: 0xffffffffffffffff").value == 0xffffffffffffffffULL);
  CHECK(content("word: 18446744073709551615").value == 0xffffffffffffffffULL);

  c = content("random: 7");
  CHECK(c.base == Content::Base::Random);
  CHECK(c.value == 7);

  c = content("zero: true");
  CHECK(c.base == Content::Base::Zero);
  CHECK(c.value == 0);

  c = content("poke: {offset: 4095, byte: 0x65}");
  CHECK(c.base == Content::Base::None);
  REQUIRE(c.poke);
  CHECK(c.poke->offset == 4095);
  CHECK(c.poke->byte == 0x65);

  c = content("fill: 0, poke: {offset: 1, byte: 'e'}");
  CHECK(c.base == Content::Base::Fill);
  CHECK(c.value == 0);
  REQUIRE(c.poke);
  CHECK(c.poke->offset == 1);
  CHECK(c.poke->byte == 'e');
}

// --- time ------------------------------------------------------------------------

TEST_CASE("parse_duration", "[parser]") {
  CHECK(parse_duration("250ms") == 250000u);
  CHECK(parse_duration("2s") == 2000000u);
  CHECK(parse_duration("100") == 100000u);
  CHECK(parse_duration("1500us") == 1500u);
  CHECK(parse_duration("0") == 0u);
  CHECK(!parse_duration(""));
  CHECK(!parse_duration("ms"));
  CHECK(!parse_duration("-1ms"));
  CHECK(!parse_duration("1.5s"));
  CHECK(!parse_duration("10 ms"));
  CHECK(!parse_duration("10m"));
  CHECK(!parse_duration("0x10"));
  CHECK(!parse_duration("99999999999999999999"));
  CHECK(!parse_duration("18446744073709551s"));
}

TEST_CASE("at: is absolute time and must not go back", "[parser]") {
  Scenario s = parse(with_steps("  - sleep: 100ms\n"
                                "  - read: {mm: A, vma: heap, pages: 0}\n"
                                "    at: 250ms\n"
                                "  - wait: {full_scans: 1}\n"
                                "    at: 250ms\n"));
  CHECK(!s.steps[2].at);
  CHECK(s.steps[3].at == 250000u);
  CHECK(s.steps[4].at == 250000u);
}

TEST_CASE("wait does not count towards the time already reached", "[parser]") {
  Scenario s = parse(with_steps("  - wait: {full_scans: 5}\n"
                                "  - sleep: 1ms\n"
                                "    at: 1ms\n"));
  CHECK(s.steps[3].at == 1000u);
}

TEST_CASE("expect_error and is_errno_name", "[parser]") {
  Step step = step_of("  - sysfs: {merge_across_nodes: 0}\n    expect_error: EBUSY\n");
  CHECK(step.expect_error == "EBUSY");
  CHECK(!step_of("  - sleep: 1\n").expect_error);
  for (const char *name : {"EPERM", "ENOENT", "EINTR", "EIO", "ENOMEM", "EACCES", "EFAULT", "EBUSY",
                           "EEXIST", "EINVAL", "ENOSPC", "ERESTARTSYS", "EAGAIN"}) {
    CHECK(is_errno_name(name));
  }
  CHECK(!is_errno_name("EWHATEVER"));
  CHECK(!is_errno_name("ebusy"));
}

// --- interleave --------------------------------------------------------------------

TEST_CASE("interleave, list form", "[parser]") {
  Step step = step_of(R"(  - sysfs: {run: 2}
    interleave:
      - point: unmerge_and_remove_all_rmap_items:next_mm
        steps:
          - fork: {parent: A, child: C}
          - write: {mm: C, vma: heap, pages: 1, fill: 2}
      - point: unmerge_ksm_pages:cond_resched
        after: 3
        steps:
          - sleep: 5
  - expect: {mm: {C: {merged: 0}}}
)");
  REQUIRE(step.interleave.size() == 2);
  const Interleave &first = step.interleave[0];
  CHECK(first.point == "unmerge_and_remove_all_rmap_items:next_mm");
  CHECK(first.after == 1);
  CHECK(!first.explore);
  CHECK(first.loc.line == 8);
  CHECK(first.loc.column == 9);
  REQUIRE(first.steps.size() == 2);
  CHECK(first.steps[0].kind == "fork");
  CHECK(first.steps[0].index == 1);
  CHECK(first.steps[1].index == 2);
  CHECK(first.steps[1].loc.line == 11);
  CHECK(first.steps[1].loc.column == 13);
  CHECK(std::get<Write>(first.steps[1].body).mm == "C");
  CHECK(step.interleave[1].after == 3);
  CHECK(std::get<Sleep>(step.interleave[1].steps[0].body).duration == 5000);
}

TEST_CASE("interleave, map form with explore", "[parser]") {
  Step step = step_of(R"(  - sysfs: {run: 2}
    interleave: {explore: true, steps: [{exit: A}]}
)");
  REQUIRE(step.interleave.size() == 1);
  CHECK(step.interleave[0].explore);
  CHECK(step.interleave[0].point.empty());
  REQUIRE(step.interleave[0].steps.size() == 1);
  CHECK(step.interleave[0].steps[0].kind == "exit");
}

TEST_CASE("interleaved steps do not see names of their enclosing step", "[parser]") {
  check_step_error(R"(  - fork: {parent: A, child: B}
    interleave:
      - point: dup_mmap:next_vma
        steps:
          - exit: B
)",
                   10, 19, "unknown mm 'B'");
}

TEST_CASE("interleaved steps have their own lower bound of time", "[parser]") {
  check_step_error(R"(  - sleep: 10
  - sleep: 5
    interleave:
      - point: p
        steps:
          - sleep: 20
          - sleep: 1
            at: 25ms
)",
                   13, 17, "at: 25ms is in the past (time is already at least 30ms)");
  // The interleaved sleep does not move the time of the steps after it.
  Scenario s = parse(with_steps(R"(  - sleep: 10
    interleave: {point: p, steps: [sleep: 100]}
  - sleep: 1
    at: 10ms
)"));
  CHECK(s.steps[3].at == 10000u);
}

// --- broken scenarios ------------------------------------------------------------

TEST_CASE("bad YAML syntax", "[parser][errors]") {
  check_error("scenario: t\nsteps: [spawn: A\n", 3, 1, "bad YAML");
  // yaml-cpp notices the unclosed flow map only at the end of the input.
  check_error("scenario: t\nsteps:\n  - {spawn: A\n  - b\n", 5, 1, "end of map flow not found");
  check_error("scenario: t\nsteps:\n  - spawn: A\n   - exit: A\n", 4, 4, "bad YAML");
}

TEST_CASE("not a map at the top", "[parser][errors]") {
  check_error("", 1, 1, "empty scenario");
  check_error("# only a comment\n", 1, 1, "empty scenario");
  check_error("- spawn: A\n", 1, 1, "expected a map with keys scenario");
  check_error("hello\n", 1, 1, "expected a map with keys scenario");
}

TEST_CASE("unknown and missing top-level keys", "[parser][errors]") {
  check_error("scenario: t\nsteps: []\nbogus: 1\n", 3, 1,
              "unknown key 'bogus' (expected one of: scenario, description");
  check_error("steps: []\n", 1, 1, "missing required key 'scenario'");
  check_error("scenario: t\n", 1, 1, "missing required key 'steps'");
  check_error("scenario: t\nsteps: []\nsteps: []\n", 3, 1, "duplicate key 'steps'");
  check_error("scenario: Big\nsteps: []\n", 1, 11, "scenario: a name is made of");
  check_error("scenario: t\nsteps: {spawn: A}\n", 2, 8, "steps: expected a list of steps");
}

TEST_CASE("machine and ksm values", "[parser][errors]") {
  check_error("scenario: t\nmachine: {nodes: 0}\nsteps: []\n", 2, 18,
              "nodes: expected an integer in 1..1024, got 0");
  check_error("scenario: t\nmachine: {swap_pages: -1}\nsteps: []\n", 2, 23,
              "swap_pages: expected a non-negative integer");
  check_error("scenario: t\nmachine: {cpus: 2}\nsteps: []\n", 2, 11,
              "unknown key 'cpus' in machine");
  check_error("scenario: t\nmachine: 4\nsteps: []\n", 2, 10, "machine: expected a map");
  check_error("scenario: t\nseed: 1.5\nsteps: []\n", 2, 7,
              "seed: expected a non-negative integer, got '1.5'");
  check_error("scenario: t\nseed: 18446744073709551616\nsteps: []\n", 2, 7, "too large");
  check_error("scenario: t\nksm: {run: 1, sleep_ms: 5}\nsteps: []\n", 2, 15,
              "unknown key 'sleep_ms' in ksm (expected one of: run, pages_to_scan");
  check_error("scenario: t\nksm: {run: [1]}\nsteps: []\n", 2, 12, "run: expected a value");
}

TEST_CASE("step shape errors", "[parser][errors]") {
  check_step_error("  - launch: B\n", 6, 5,
                   "unknown key 'launch' in step 3 (expected one of: spawn");
  check_step_error("  - spawn: B\n    colour: red\n", 7, 5, "unknown key 'colour' in step 3");
  check_step_error("  - spawn\n", 6, 5, "step 3: expected a map with one step key (spawn, mmap");
  check_step_error("  - at: 5\n", 6, 5, "expected a map with one step key");
  check_step_error("  - spawn: B\n    exit: A\n", 7, 5, "two step keys, 'spawn' and 'exit'");
  check_step_error("  - sleep: 1\n    expect_error: EWHAT\n", 7, 19, "unknown errno name 'EWHAT'");
}

TEST_CASE("unknown keys inside a step", "[parser][errors]") {
  check_step_error("  - write: {mm: A, vma: heap, pages: 0, fill: 1, colour: red}\n", 6, 50,
                   "unknown key 'colour' in write (expected one of: mm, vma, pages, fill");
  check_step_error("  - wait: {scans: 1}\n", 6, 12, "unknown key 'scans' in wait");
  check_step_error("  - expect: {pages_merged: 1}\n", 6, 14,
                   "unknown key 'pages_merged' in expect");
  check_step_error("  - expect: {mm: {A: {rmap_items: 1}}}\n", 6, 23,
                   "unknown key 'rmap_items' in expect mm 'A'");
  check_step_error("  - sysfs: {run: 1, bogus: 1}\n", 6, 21, "unknown key 'bogus' in sysfs");
  check_step_error("  - write: {mm: A, vma: heap, pages: 0, poke: {offset: 1, value: 2}}\n", 6, 59,
                   "unknown key 'value' in poke");
}

TEST_CASE("missing required keys", "[parser][errors]") {
  check_step_error("  - mmap: {mm: A, pages: 4}\n", 6, 11, "missing required key 'vma' in mmap");
  check_step_error("  - madvise: {mm: A, vma: heap}\n", 6, 14,
                   "missing required key 'advice' in madvise");
  check_step_error("  - migrate: {mm: A, vma: heap, pages: 0}\n", 6, 14,
                   "missing required key 'node' in migrate");
  check_step_error("  - wait: {timeout: 1s}\n", 6, 11, "missing required key 'full_scans' in wait");
  check_step_error("  - expect: {page: {mm: A, vma: heap}}\n", 6, 20,
                   "missing required key 'page' in expect page");
  check_step_error("  - write: {mm: A, vma: heap, pages: 0}\n", 6, 12,
                   "write: expected content: one of fill, word, random, zero, distinct, or poke");
  check_step_error("  - sysfs: {run: 2}\n    interleave: [{steps: [sleep: 1]}]\n", 7, 18,
                   "missing required key 'point' in interleave");
}

TEST_CASE("wrong types", "[parser][errors]") {
  check_step_error("  - mmap: [A, heap, 4]\n", 6, 11, "mmap: expected a map with keys mm, vma");
  check_step_error("  - spawn: [B]\n", 6, 12, "spawn: expected a name");
  check_step_error("  - spawn:\n", 6, 5, "spawn: expected a value");
  check_step_error("  - mmap: {mm: A, vma: x, pages: }\n", 6, 27, "pages: expected a value");
  check_step_error("  - mmap: {mm: A, vma: x, pages: many}\n", 6, 34,
                   "pages: expected a non-negative integer, got 'many'");
  check_step_error("  - swapout: {mm: A, vma: heap, pages: 0, keep_swapcache: maybe}\n", 6, 59,
                   "keep_swapcache: expected true or false");
  check_step_error("  - sleep: soon\n", 6, 12, "sleep: expected a duration");
  check_step_error("  - sleep: {ms: 5}\n", 6, 12, "sleep: expected a duration");
  check_step_error("  - madvise: {mm: A, vma: heap, advice: merge}\n", 6, 41,
                   "unknown advice 'merge' (expected one of: mergeable, unmergeable, pageout, "
                   "dontneed)");
  check_step_error("  - expect: {oops: 'not a function'}\n", 6, 20,
                   "oops: expected none or a kernel function name");
  check_step_error("  - expect: {invariants: fine}\n", 6, 26, "unknown invariants value 'fine'");
  check_step_error("  - expect: {pages_shared: -1}\n", 6, 28,
                   "pages_shared: expected a non-negative integer");
  check_step_error("  - expect: {}\n", 6, 13, "expect: expected at least one of");
  check_step_error("  - interleave: 3\n    sleep: 1\n", 6, 17, "interleave: expected a list");
}

TEST_CASE("bad page ranges", "[parser][errors]") {
  check_step_error("  - read: {mm: A, vma: heap, pages: 63-0}\n", 6, 37,
                   "bad range '63-0' (the first page is after the last)");
  check_step_error("  - read: {mm: A, vma: heap, pages: 64}\n", 6, 37,
                   "page 64 is outside vma 'heap' in mm 'A' (64 pages)");
  check_step_error("  - read: {mm: A, vma: heap, pages: [1, 60-64]}\n", 6, 41,
                   "page 64 is outside vma 'heap'");
  check_step_error("  - read: {mm: A, vma: heap, pages: 99999999999999999999999}\n", 6, 37,
                   "is outside vma 'heap'");
  check_step_error("  - read: {mm: A, vma: heap, pages: -1}\n", 6, 37,
                   "pages: expected a page index, a range like 0-63");
  check_step_error("  - read: {mm: A, vma: heap, pages: [all]}\n", 6, 38,
                   "pages: expected a page index");
  check_step_error("  - read: {mm: A, vma: heap, pages: []}\n", 6, 37,
                   "pages: expected at least one page");
  check_step_error("  - expect: {page: {mm: A, vma: heap, page: 64}}\n", 6, 45,
                   "page 64 is outside vma 'heap' in mm 'A' (64 pages)");
}

TEST_CASE("unknown and duplicate names", "[parser][errors]") {
  check_step_error("  - write: {mm: B, vma: heap, pages: 0, fill: 1}\n", 6, 17, "unknown mm 'B'");
  check_step_error("  - write: {mm: A, vma: stack, pages: 0, fill: 1}\n", 6, 25,
                   "unknown vma 'stack' in mm 'A'");
  check_step_error("  - exit: Z\n", 6, 11, "unknown mm 'Z'");
  check_step_error("  - fork: {parent: Z, child: B}\n", 6, 20, "unknown mm 'Z'");
  check_step_error("  - fork: {parent: A, child: A}\n", 6, 30, "duplicate mm 'A'");
  check_step_error("  - spawn: A\n", 6, 12, "duplicate mm 'A'");
  check_step_error("  - mmap: {mm: A, vma: heap, pages: 1}\n", 6, 24,
                   "duplicate vma 'heap' in mm 'A'");
  check_step_error("  - mmap: {mm: Q, vma: heap, pages: 1}\n", 6, 16, "unknown mm 'Q'");
  check_step_error("  - expect: {mm: {Q: {merged: 1}}}\n", 6, 19, "unknown mm 'Q'");
  check_step_error(
      "  - munmap: {mm: A, vma: heap, pages: 0}\n  - mmap: {mm: A, vma: heap, pages: 1}\n", 7, 24,
      "duplicate vma 'heap'");
}

TEST_CASE("sizes and nodes", "[parser][errors]") {
  check_step_error("  - mmap: {mm: A, vma: x, pages: 0}\n", 6, 34,
                   "pages: expected an integer in 1..");
  check_step_error("  - mmap: {mm: A, vma: x, pages: -4}\n", 6, 34,
                   "pages: expected a non-negative integer");
  check_step_error("  - mmap: {mm: A, vma: x, pages: 4, node: 2}\n", 6, 43,
                   "node 2 does not exist (machine.nodes is 2)");
  check_step_error("  - migrate: {mm: A, vma: heap, pages: 0, node: 5}\n", 6, 49,
                   "node 5 does not exist");
  check_step_error("  - wait: {full_scans: 0}\n", 6, 24, "full_scans: expected an integer >= 1");
}

TEST_CASE("swap steps need a swap device", "[parser][errors]") {
  check_error("scenario: t\nsteps:\n  - spawn: A\n  - mmap: {mm: A, vma: h, pages: 1}\n"
              "  - swapout: {mm: A, vma: h, pages: 0}\n",
              5, 5, "swapout needs machine.swap_pages");
  check_error("scenario: t\nsteps:\n  - spawn: A\n  - mmap: {mm: A, vma: h, pages: 1}\n"
              "  - swapin: {mm: A, vma: h, pages: 0}\n",
              5, 5, "swapin needs machine.swap_pages");
}

TEST_CASE("content errors", "[parser][errors]") {
  check_step_error("  - write: {mm: A, vma: heap, pages: 0, fill: 1, word: 2}\n", 6, 50,
                   "only one of fill, word, random, zero");
  check_step_error("  - write: {mm: A, vma: heap, pages: 0, fill: 256}\n", 6, 47,
                   "fill: 256 is too large (at most 255)");
  check_step_error("  - write: {mm: A, vma: heap, pages: 0, fill: 'ab'}\n", 6, 47,
                   "fill: expected one character");
  check_step_error("  - write: {mm: A, vma: heap, pages: 0, fill: a}\n", 6, 47,
                   "fill: expected a non-negative integer");
  check_step_error("  - write: {mm: A, vma: heap, pages: 0, word: 0x10000000000000000}\n", 6, 47,
                   "word: 0x10000000000000000 is too large");
  check_step_error("  - write: {mm: A, vma: heap, pages: 0, zero: false}\n", 6, 47,
                   "only zero: true");
  check_step_error("  - write: {mm: A, vma: heap, pages: 0, poke: {offset: 4096, byte: 0}}\n", 6,
                   56, "offset: 4096 is too large (at most 4095)");
}

TEST_CASE("at: in the past", "[parser][errors]") {
  check_step_error("  - sleep: 1\n    at: 200ms\n  - sleep: 1\n    at: 100ms\n", 9, 9,
                   "at: 100ms is in the past (time is already at least 201ms)");
  check_step_error("  - sleep: 200ms\n  - sleep: 1\n    at: 100\n", 8, 9,
                   "at: 100ms is in the past (time is already at least 200ms)");
  check_step_error("  - sleep: 1\n    at: later\n", 7, 9, "at: expected a duration");
}

TEST_CASE("interleave errors", "[parser][errors]") {
  check_step_error("  - sysfs: {run: 2}\n    interleave: {explore: true, point: p, steps: []}\n", 7,
                   33, "'point' cannot be given with explore: true");
  check_step_error("  - sysfs: {run: 2}\n    interleave: {point: p, after: 0, steps: []}\n", 7, 35,
                   "after: expected an integer in 1..");
  check_step_error("  - sysfs: {run: 2}\n    interleave: {point: p, steps: [{spawn: A}]}\n", 7, 44,
                   "duplicate mm 'A'");
}

TEST_CASE("hostile input never escapes as anything but ScenarioError", "[parser][errors]") {
  const std::vector<std::string> inputs = {
      std::string(10000, '['),
      "scenario: t\nsteps: &s [{sleep: 1, interleave: {point: p, steps: *s}}]\n",
      "scenario: t\nsteps: [*nope]\n",
      "\t",
      "scenario: t\nsteps:\n  - ? [a]\n    : 1\n",
      "scenario: t\nsteps: [{mmap: {mm: A, vma: h, pages: 4294967296}}]\n",
      "scenario: t\nsteps: [~]\n",
      "scenario: t\nsteps: [[]]\n",
      "scenario: t\nmachine: {nodes: 99999999999999999999999}\nsteps: []\n",
      "scenario: t\nsteps: []\n---\nscenario: u\n",
      std::string("scenario: t\0\nsteps: []\n", 24),
  };
  for (const std::string &text : inputs) {
    INFO(text.substr(0, 80));
    try {
      parse(text);
    } catch (const ScenarioError &) {
    }
  }
  check_error("scenario: t\nsteps: &s [{sleep: 1, interleave: {point: p, steps: *s}}]\n", 2, 8,
              "interleave nested too deeply");
}

TEST_CASE("parse_file", "[parser]") {
  try {
    parse_file("/nonexistent/scenario.yaml");
    FAIL("no error");
  } catch (const ScenarioError &e) {
    CHECK(e.location().line == 0);
    CHECK(e.location().column == 0);
    CHECK(std::string(e.what()) == "/nonexistent/scenario.yaml:0:0: cannot read file");
  }
  CHECK_THROWS_AS(parse_file("/"), ScenarioError);
}

TEST_CASE("ScenarioError formats file:line:column: message", "[parser]") {
  ScenarioError e(Location{"a.yaml", 3, 7}, "oops");
  CHECK(std::string(e.what()) == "a.yaml:3:7: oops");
  CHECK(e.message() == "oops");
}

TEST_CASE("a wait's timeout may stand beside wait: as the spec writes it", "[parser]") {
  const std::string text = "scenario: t\nsteps:\n  - wait: {full_scans: 2}\n    timeout: 10s\n"
                           "  - wait: {full_scans: 1, timeout: 3s}\n";
  ksmsim::scenario::Scenario s = ksmsim::scenario::parse_text(text, "t.yaml");
  REQUIRE(s.steps.size() == 2);
  CHECK(std::get<ksmsim::scenario::Wait>(s.steps[0].body).timeout == 10ULL * 1000 * 1000);
  CHECK(std::get<ksmsim::scenario::Wait>(s.steps[1].body).timeout == 3ULL * 1000 * 1000);
  // beside any other step it is still an unknown key
  CHECK_THROWS_WITH(ksmsim::scenario::parse_text(
                        "scenario: t\nsteps:\n  - sleep: 1\n    timeout: 1s\n", "t.yaml"),
                    catch_compat::Contains("unknown key 'timeout'"));
}

TEST_CASE("issue 8: the format refuses what would forge output or wrap time", "[parser][errors]") {
  // Two timeouts, inside the wait map and beside it.
  check_error(with_steps("  - wait: {full_scans: 1, timeout: 1s}\n"
                         "    timeout: 2s\n"),
              7, 5, "timeout: given twice");
  // A second YAML document is not silently ignored.
  check_error("scenario: t\nsteps:\n  - spawn: A\n---\nscenario: u\n", 4, 1,
              "a second YAML document");
  // Names that would forge trace lines or break the JSON.
  check_error("scenario: t\nsteps:\n  - spawn: \"A\\nksm_merge_one_page: x\"\n", 3, 12,
              "spawn: a name is 1 to 64 of");
  check_error("scenario: t\nsteps:\n  - spawn: \"A\xff\xfe\"\n", 3, 12, "spawn: a name is");
  check_error(with_steps("  - mmap: {mm: A, vma: \"h p\", pages: 1}\n"), 6, 24, "vma: a name is");
  check_error("scenario: t\nsteps:\n  - spawn: " + std::string(65, 'a') + "\n", 3, 12,
              "a name is 1 to 64");
  // Durations are bounded, so that their sum cannot wrap 64 bits.
  check_error(with_steps("  - sleep: 18446744073709551\n"), 6, 12, "sleep: at most");
  check_error(with_steps("  - wait: {full_scans: 1, timeout: 4398047000s}\n"), 6, 36,
              "timeout: at most");
  CHECK(body_of<Sleep>("  - sleep: 4398046511ms\n").duration == 4398046511000ULL);
  // Sizes: the product may not wrap, and each is bounded where it is written.
  check_error("scenario: t\nmachine: {nodes: 2, pages_per_node: 9223372036854775809}\nsteps: []\n",
              2, 37, "pages_per_node");
  check_error("scenario: t\nmachine: {nodes: 2, pages_per_node: 4294967295}\nsteps: []\n", 2, 37,
              "nodes x pages_per_node is 8589934590 page frames");
  check_error("scenario: t\nmachine: {swap_pages: 4294967295}\nsteps: []\n", 2, 23, "swap_pages");
}

TEST_CASE("issue 8: machine sizes carry their locations for the runner", "[parser]") {
  Scenario s = parse("scenario: t\nmachine: {nodes: 1, pages_per_node: 64, swap_pages: 8}\n"
                     "steps: []\n");
  CHECK(s.machine.pages_loc.line == 2);
  CHECK(s.machine.pages_loc.column == 37);
  CHECK(s.machine.swap_loc.line == 2);
  CHECK(s.machine.swap_loc.column == 53);
}

TEST_CASE("issue 8: a document starting with ',' is refused before yaml-cpp loops on it",
          "[parser][errors]") {
  check_error(", vma: heap}\n", 1, 1, "a document cannot start with ','");
  check_error("  ,\n", 1, 3, "cannot start with ','");
  check_error("# c\n\n---\n&a !t ,x\n", 4, 7, "cannot start with ','");
  check_error("scenario: t\nsteps: []\n---\n,\n", 4, 1, "cannot start with ','");
  // After a node's properties, and after a first node: no loop either.
  check_error("!t, b\n", 1, 3, "cannot start with ','");
  check_error("a\n  # c\n  !t, x}\n", 3, 3, "a second YAML document");
  CHECK(parse("scenario: t\ndescription: a, b\nsteps: [{spawn: A}, {exit: A}]\n").name == "t");
}
