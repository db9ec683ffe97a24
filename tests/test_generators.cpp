// SPDX-License-Identifier: GPL-2.0-only
//
// Generators of the scenario format (extension): `spawn: {count, prefix}`,
// `repeat: {count, var, steps}` with placeholders, `params:`, their bounds
// and where their errors point. Expected values follow from the
// definitions in docs/scenario-format.md (Extensions), worked out by hand.

#include "ksmsim/runner.h"
#include "ksmsim/scenario.h"
#include "sim/scenario/placeholders.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace ksmsim::scenario;

namespace {

Scenario parse(const std::string &text) {
  return parse_text(text, "g.yaml");
}

// The error's line, column and message, or a failed check.
ScenarioError error_of(const std::string &text) {
  try {
    parse(text);
  } catch (const ScenarioError &e) {
    return e;
  }
  FAIL("no error for:\n" << text);
  throw;
}

void check_error(const std::string &text, int line, int column, const std::string &part) {
  ScenarioError e = error_of(text);
  INFO(e.what());
  CHECK(e.location().line == line);
  CHECK(e.location().column == column);
  CHECK_THAT(e.message(), Catch::Contains(part));
}

std::vector<std::string> spawned(const Scenario &s) {
  std::vector<std::string> out;
  for (const Step &st : s.steps) {
    if (const auto *sp = std::get_if<Spawn>(&st.body)) {
      out.push_back(sp->mm);
    }
  }
  return out;
}

} // namespace

TEST_CASE("spawn: {count, prefix} makes prefix0 .. prefix(count-1)", "[generators]") {
  Scenario s = parse("scenario: g\nsteps:\n  - spawn: {count: 4, prefix: P}\n  - spawn: Q\n");
  // Four generated steps and the plain one, numbered in order, all at the
  // generator's line.
  REQUIRE(s.steps.size() == 5);
  CHECK(spawned(s) == std::vector<std::string>{"P0", "P1", "P2", "P3", "Q"});
  for (int i = 0; i < 4; ++i) {
    CHECK(s.steps[i].kind == "spawn");
    CHECK(s.steps[i].index == i + 1);
    CHECK(s.steps[i].loc.line == 3);
  }
  CHECK(s.steps[4].index == 5);
  // count 0 makes nothing; 64 makes P0..P63.
  CHECK(parse("scenario: g\nsteps:\n  - spawn: {count: 0, prefix: P}\n").steps.empty());
  CHECK(spawned(parse("scenario: g\nsteps:\n  - spawn: {count: 64, prefix: P}\n")).back() == "P63");
}

TEST_CASE("spawn count errors", "[generators][errors]") {
  // A name made twice: P1 exists already.
  check_error("scenario: g\nsteps:\n  - spawn: P1\n  - spawn: {count: 3, prefix: P}\n", 4, 31,
              "duplicate mm 'P1'");
  check_error("scenario: g\nsteps:\n  - spawn: {count: 3}\n", 3, 12,
              "missing required key 'prefix'");
  check_error("scenario: g\nsteps:\n  - spawn: {count: 3, prefix: P, x: 1}\n", 3, 34,
              "unknown key 'x'");
  check_error("scenario: g\nsteps:\n  - spawn: {count: 3, prefix: P}\n    at: 5ms\n", 4, 5,
              "a generator takes no 'at'");
  // 10^12 is refused before anything is made (2^20 steps in all).
  check_error("scenario: g\nsteps:\n  - spawn: {count: 1000000000000, prefix: P}\n", 3, 20,
              "spawn: 1000000000000 processes is more steps than the scenario may have (1048576");
  // 63 characters and the index 99 make 65.
  check_error("scenario: g\nsteps:\n  - spawn: {count: 100, prefix: " + std::string(63, 'a') +
                  "}\n",
              3, 33, "is longer than a name may be (64 characters)");
}

TEST_CASE("repeat substitutes its index in names and numbers", "[generators]") {
  Scenario s = parse(R"(scenario: g
steps:
  - repeat:
      count: 3
      steps:
        - spawn: "P{i}"
        - mmap: {mm: "P{i}", vma: "v{i*2+1}", pages: "{i+1}"}
        - write: {mm: "P{i}", vma: "v{2*i + 1}", pages: "0-{i}", random: "{i*1000}"}
)");
  REQUIRE(s.steps.size() == 9);
  for (std::uint32_t i = 0; i < 3; ++i) {
    const Step &sp = s.steps[3 * i], &mm = s.steps[3 * i + 1], &wr = s.steps[3 * i + 2];
    CHECK(std::get<Spawn>(sp.body).mm == "P" + std::to_string(i));
    CHECK(std::get<Mmap>(mm.body).vma == "v" + std::to_string(2 * i + 1));
    CHECK(std::get<Mmap>(mm.body).pages == i + 1); // i + 1 pages
    const Write &w = std::get<Write>(wr.body);
    CHECK(w.pages.size() == i + 1); // pages 0..i
    CHECK(w.content.value == 1000 * i);
    // Each made step keeps its template's line; the indexes count on.
    CHECK(mm.loc.line == 7);
    CHECK(wr.index == static_cast<int>(3 * i + 3));
  }
}

TEST_CASE("nested repeats, var names and params", "[generators]") {
  Scenario s = parse(R"(scenario: g
params: {outer: 2, inner: 3}
steps:
  - repeat:
      count: "{params.outer}"
      steps:
        - repeat:
            count: "{params.inner}"
            var: j
            steps:
              - spawn: "W{i}_{j}"
)");
  CHECK(spawned(s) == std::vector<std::string>{"W0_0", "W0_1", "W0_2", "W1_0", "W1_1", "W1_2"});
  // A count may use the enclosing index: 0 + 1 + 2 spawns for i = 0, 1, 2.
  Scenario tri = parse(R"(scenario: g
steps:
  - repeat:
      count: 3
      steps:
        - repeat: {count: "{i}", var: k, steps: [{spawn: "T{i}.{k}"}]}
)");
  CHECK(spawned(tri) == std::vector<std::string>{"T1.0", "T2.0", "T2.1"});
  // {{ and }} are the characters; a dump file name may use the index.
  Scenario d = parse("scenario: g\nsteps:\n  - repeat: {count: 2, steps: [{dump: {file: "
                     "\"s{{{i}}}.txt\"}}]}\n");
  CHECK(std::get<Dump>(d.steps[1].body).file == "s{1}.txt");
}

TEST_CASE("placeholders are read only with params: or in a repeat", "[generators]") {
  // v1 file: a '{' in a name is just a bad name, as before.
  check_error("scenario: g\nsteps:\n  - spawn: \"P{i}\"\n", 3, 12, "spawn: a name is 1 to 64");
  // A file with params reads them anywhere, machine and ksm values too.
  Scenario s =
      parse("scenario: g\nparams: {n: 3}\nmachine: {pages_per_node: \"{params.n*1024}\"}\n"
            "ksm: {pages_to_scan: \"{params.n}00\"}\nsteps:\n  - spawn: \"A{params.n}\"\n");
  CHECK(s.machine.pages_per_node == 3072);
  CHECK(s.ksm.at(0).second == "300");
  CHECK(spawned(s) == std::vector<std::string>{"A3"});
  // The description is text, kept as written.
  CHECK(parse("scenario: g\nparams: {n: 1}\ndescription: \"{x}\"\nsteps: []\n").description ==
        "{x}");
}

TEST_CASE("placeholder expressions", "[generators]") {
  Bindings b;
  b.active = true;
  b.vars = {{"i", 2}, {"j", 5}};
  b.params = {{"procs", 36}};
  auto value = [&](const std::string &expr) {
    std::uint64_t v = 0;
    Substituted e = evaluate(expr, b, v);
    INFO(expr << ": " << e.error);
    CHECK(e.error.empty());
    return v;
  };
  CHECK(value("2+3*4") == 14); // * before +
  CHECK(value("i*64+63") == 191);
  CHECK(value(" j * i ") == 10);
  CHECK(value("params.procs*2+i") == 74);
  CHECK(value("18446744073709551615") == 18446744073709551615ULL);
  CHECK(substitute("P{i}-{j}", b).text == "P2-5");
  CHECK(substitute("{{i}}", b).text == "{i}");
  CHECK_THAT(substitute("{k}", b).error,
             Catch::Contains("unknown name 'k' (known here: i, j, params.procs)"));
  CHECK_THAT(substitute("{i", b).error, Catch::Contains("a '{' without its '}'"));
  CHECK_THAT(substitute("i}", b).error, Catch::Contains("a '}' without its '{'"));
  CHECK(value("i-1") == 1);
  CHECK(value("(i+1)*j-1") == 14);
  CHECK(value("10-2-3") == 5); // left to right
  CHECK(value("2*(3+(4))") == 14);
  CHECK_THAT(substitute("{i-3}", b).error, Catch::Contains("2 - 3 goes below 0"));
  CHECK_THAT(substitute("{(i}", b).error, Catch::Contains("a '(' without its ')'"));
  CHECK_THAT(substitute("{i/2}", b).error, Catch::Contains("unexpected '/'"));
  CHECK_THAT(substitute("{4294967296*4294967296}", b).error, Catch::Contains("overflows 64 bits"));
  CHECK_THAT(substitute("{18446744073709551616}", b).error, Catch::Contains("overflows 64 bits"));
  CHECK_THAT(substitute("{}", b).error, Catch::Contains("expected a number"));
}

TEST_CASE("repeat bounds: counts and totals refused before expanding", "[generators][errors]") {
  // 10^12 times one step.
  check_error("scenario: g\nsteps:\n  - repeat: {count: 1000000000000, steps: [{sleep: 1}]}\n", 3,
              21,
              "repeat: 1000000000000 times 1 steps is more than the scenario may have (1048576");
  // Nested: 1024 * 1025 = 1,049,600 > 1,048,576 = 2^20, refused at the outer
  // count before any step is made.
  check_error(R"(scenario: g
steps:
  - sleep: 1
  - repeat:
      count: 1024
      steps:
        - repeat: {count: 1025, var: j, steps: [{sleep: 1}]}
)",
              5, 14,
              "1024 times 1025 steps is more than the scenario may have (1048576 steps in "
              "all, 1 before this repeat)");
  // An interleave's steps count too: 2^19 times (1 + 1) is 2^20, and with
  // the step before it one too many.
  check_error("scenario: g\nsteps:\n  - sleep: 1\n  - repeat: {count: 524288, steps: [{sysfs: "
              "{run: 1}, interleave: {point: p, steps: [{sleep: 1}]}}]}\n",
              4, 21, "524288 times 2 steps");
  // A var used by an enclosing repeat, and a bad var name.
  check_error("scenario: g\nsteps:\n  - repeat: {count: 2, steps: [{repeat: {count: 2, steps: "
              "[{sleep: 1}]}}]}\n",
              3, 41, "'i' is already the index of an enclosing repeat");
  check_error("scenario: g\nsteps:\n  - repeat: {count: 2, var: 1x, steps: []}\n", 3, 29,
              "var: a name is a letter");
  // Nine levels.
  std::string deep = "scenario: g\nsteps:\n  - ";
  std::string close;
  for (int level = 0; level < 9; ++level) {
    deep += "{repeat: {count: 1, var: v" + std::to_string(level) + ", steps: [";
    close += "]}}";
  }
  deep += "{sleep: 1}" + close + "\n";
  CHECK_THAT(error_of(deep).message(), Catch::Contains("repeat nested too deeply (at most 8"));
  // Repeats of nothing still end: 2^16 times 64 empty repeats is 2^22
  // generator items and the repeats themselves, more than the expansion
  // may take (2^22 in all).
  std::string empty;
  for (int k = 0; k < 64; ++k) {
    empty += std::string(k ? ", " : "") + "{repeat: {count: 0, var: j" + std::to_string(k) +
             ", steps: []}}";
  }
  CHECK_THAT(
      error_of("scenario: g\nsteps:\n  - repeat: {count: 65536, steps: [" + empty + "]}\n")
          .message(),
      Catch::Contains("too many generator items to expand in the scenario (at most 4194304)"));
  check_error("scenario: g\nsteps:\n  - repeat: {count: 2, steps: [{sleep: 1}]}\n    at: 1s\n", 4,
              5, "a generator takes no 'at'");
}

TEST_CASE("errors in a repeat point at the template and say the index", "[generators][errors]") {
  // P0 exists, P1 does not: the write made for i = 1 fails at its own line
  // and column (the mm value), naming the index and the repeat's line.
  const std::string text = R"(scenario: g
steps:
  - spawn: P0
  - repeat:
      count: 2
      steps:
        - mmap: {mm: "P{i}", vma: heap, pages: 4}
)";
  ScenarioError e = error_of(text);
  CHECK(e.location().line == 7);
  CHECK(e.location().column == 22);
  CHECK(e.message() == "unknown mm 'P1' (i=1 of the repeat at line 4)");
  // Nested: both indexes, outermost first.
  ScenarioError n = error_of(R"(scenario: g
steps:
  - spawn: A
  - repeat:
      count: 1
      steps:
        - repeat:
            count: 3
            var: j
            steps:
              - sleep: "{1-j}"
)");
  CHECK(n.location().line == 11);
  CHECK_THAT(n.message(), Catch::Contains("placeholder '{1-j}': 1 - 2 goes below 0"));
  CHECK_THAT(n.message(),
             Catch::EndsWith("(i=0 of the repeat at line 4, j=2 of the repeat at line 7)"));
  // A count that is not a number after substitution.
  check_error(
      "scenario: g\nparams: {n: 2}\nsteps:\n  - repeat: {count: \"{params.n}x\", steps: []}\n", 4,
      21, "count: expected a non-negative integer, got '2x'");
  check_error("scenario: g\nsteps:\n  - repeat: {count: 2}\n", 3, 13,
              "missing required key 'steps'");
  check_error("scenario: g\nsteps:\n  - repeat: {count: 2, steps: {sleep: 1}}\n", 3, 31,
              "repeat steps: expected a list");
  check_error("scenario: g\nparams: {2x: 1}\nsteps: []\n", 2, 10, "params: a name is");
  check_error("scenario: g\nparams: {n: -1}\nsteps: []\n", 2, 13,
              "params.n: expected a non-negative integer");
}

TEST_CASE("a repeat runs as the steps written out would", "[generators]") {
  // The same three processes, once from a repeat and once by hand: the
  // runner sees the same steps, so the counters at the end agree (and are
  // what the contents say: 'a' in 3 x 2 pages is one KSM page and 5 more).
  const std::string made = R"(scenario: g
ksm: {run: 1, pages_to_scan: 100}
steps:
  - repeat:
      count: 3
      steps:
        - spawn: "P{i}"
        - mmap: {mm: "P{i}", vma: h, pages: 2}
        - write: {mm: "P{i}", vma: h, fill: 'a'}
        - madvise: {mm: "P{i}", vma: h, advice: mergeable}
  - wait: {full_scans: 2}
  - expect: {pages_shared: 1, pages_sharing: 5}
)";
  std::string by_hand = "scenario: g\nksm: {run: 1, pages_to_scan: 100}\nsteps:\n";
  for (int i = 0; i < 3; ++i) {
    std::string p = "P" + std::to_string(i);
    by_hand += "  - spawn: " + p + "\n  - mmap: {mm: " + p + ", vma: h, pages: 2}\n" +
               "  - write: {mm: " + p + ", vma: h, fill: 'a'}\n" + "  - madvise: {mm: " + p +
               ", vma: h, advice: mergeable}\n";
  }
  by_hand += "  - wait: {full_scans: 2}\n  - expect: {pages_shared: 1, pages_sharing: 5}\n";
  ksmsim::RunResult a = ksmsim::run_scenario(parse(made), ksmsim::RunOptions{});
  ksmsim::RunResult b = ksmsim::run_scenario(parse(by_hand), ksmsim::RunOptions{});
  CHECK(a.exit_code == 0);
  CHECK(b.exit_code == 0);
  REQUIRE(a.checkpoints.size() == 1);
  REQUIRE(b.checkpoints.size() == 1);
  CHECK(a.checkpoints[0].counters == b.checkpoints[0].counters);
  CHECK(a.checkpoints[0].step == 14); // 12 made steps, the wait, the expect
}

TEST_CASE("a repeat whose steps are its own list (a YAML alias) ends with an error",
          "[generators][errors]") {
  // The alias makes the repeat its own template: the inner copy would
  // reuse the index i.
  check_error("scenario: g\nsteps: &s\n  - repeat: {count: 2, steps: *s}\n", 3, 13,
              "'i' is already the index of an enclosing repeat");
  CHECK_THAT(
      error_of("scenario: g\nsteps: &s [{sysfs: {run: 1}, interleave: {point: p, steps: "
               "[{repeat: {count: 2, var: j, steps: [{repeat: {count: 2, steps: *s}}]}}]}}]\n")
          .message(),
      Catch::Contains("'j' is already the index of an enclosing repeat"));
}
