// SPDX-License-Identifier: GPL-2.0-only
//
// `--set KEY=VALUE` (extension): each kind of key, unknown keys, bad
// values, where their errors point, and the CLI option.

#include "ksmsim/scenario.h"
#include "run_cli.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <string>

using namespace ksmsim::scenario;

namespace {

const std::string kFile = R"(scenario: o
params: {procs: 2}
machine: {nodes: 2, pages_per_node: 1024}
ksm: {run: 0, pages_to_scan: 100}
steps:
  - spawn: {count: "{params.procs}", prefix: P}
)";

Scenario parse_with(std::vector<Override> overrides, const std::string &text = kFile) {
  ParseOptions opt;
  opt.overrides = std::move(overrides);
  return parse_text(text, "o.yaml", opt);
}

std::string error_with(std::vector<Override> overrides, const std::string &text = kFile) {
  try {
    parse_with(std::move(overrides), text);
  } catch (const ScenarioError &e) {
    return e.what();
  }
  return "no error";
}

} // namespace

TEST_CASE("overrides: --set ksm knobs replace or add initial values", "[overrides]") {
  Scenario s = parse_with({{"ksm.pages_to_scan", "1000"}, {"ksm.sleep_millisecs", "20"}});
  REQUIRE(s.ksm.size() == 3);
  CHECK(s.ksm[0] == std::pair<std::string, std::string>{"run", "0"});
  CHECK(s.ksm[1] == std::pair<std::string, std::string>{"pages_to_scan", "1000"});
  CHECK(s.ksm[2] == std::pair<std::string, std::string>{"sleep_millisecs", "20"});
  // The value's location is in the argument: "--set ksm.pages_to_scan=" is
  // 24 characters, the value at column 25.
  CHECK(s.ksm_locs[1].file == "--set ksm.pages_to_scan=1000");
  CHECK(s.ksm_locs[1].column == 25);
  CHECK(s.ksm_locs[0].file == "o.yaml");
  // The last of two wins.
  CHECK(parse_with({{"ksm.run", "1"}, {"ksm.run", "2"}}).ksm[0].second == "2");
}

TEST_CASE("overrides: --set machine, params and seed", "[overrides]") {
  Scenario s = parse_with({{"machine.nodes", "4"},
                           {"machine.pages_per_node", "4096"},
                           {"machine.swap_pages", "64"},
                           {"seed", "9"}});
  CHECK(s.machine.nodes == 4);
  CHECK(s.machine.pages_per_node == 4096);
  CHECK(s.machine.swap_pages == 64);
  CHECK(s.seed == 9);
  // A file without machine: gets one from --set.
  CHECK(parse_with({{"machine.nodes", "3"}}, "scenario: o\nsteps: []\n").machine.nodes == 3);
  // params: the generator's count follows (2 in the file, 5 set).
  CHECK(parse_with({}).steps.size() == 2);
  CHECK(parse_with({{"params.procs", "5"}}).steps.size() == 5);
  // A step checked against the machine sees the set value.
  CHECK_THAT(error_with({{"machine.nodes", "1"}},
                        "scenario: o\nmachine: {nodes: 2}\nsteps:\n  - spawn: A\n"
                        "  - mmap: {mm: A, vma: h, pages: 1, node: 1}\n"),
             Catch::Contains("o.yaml:5:43: node 1 does not exist (machine.nodes is 1)"));
}

TEST_CASE("overrides: --set unknown keys and bad values are errors at the argument",
          "[overrides][errors]") {
  CHECK_THAT(error_with({{"ksm.pages_to_scam", "1"}}),
             Catch::Contains("--set ksm.pages_to_scam=1:1:7: unknown key 'ksm.pages_to_scam'"));
  CHECK_THAT(error_with({{"machine.cpus", "1"}}), Catch::Contains("unknown key 'machine.cpus'"));
  CHECK_THAT(error_with({{"steps", "1"}}),
             Catch::Contains("unknown key 'steps' (expected seed, machine.nodes"));
  CHECK_THAT(error_with({{"params.threads", "1"}}),
             Catch::Contains("unknown key 'params.threads': o.yaml has the params procs"));
  CHECK_THAT(error_with({{"params.x", "1"}}, "scenario: o\nsteps: []\n"),
             Catch::Contains("o.yaml has no params:"));
  // Values: "--set machine.nodes=" is 20 characters, the value at 21; the
  // key starts at 7.
  CHECK_THAT(
      error_with({{"machine.nodes", "abc"}}),
      Catch::Contains("--set machine.nodes=abc:1:21: nodes: expected a non-negative integer, "
                      "got 'abc'"));
  CHECK_THAT(error_with({{"machine.nodes", "2000"}}),
             Catch::Contains("nodes: expected an integer in 1..1024, got 2000"));
  CHECK_THAT(
      error_with({{"machine.pages_per_node", "4294967295"}}),
      Catch::Contains("--set machine.pages_per_node=4294967295:1:30: nodes x pages_per_node"));
  CHECK_THAT(error_with({{"params.procs", "-1"}}),
             Catch::Contains("params.procs: expected a non-negative integer, got '-1'"));
  CHECK_THAT(error_with({{"seed", "0x"}}),
             Catch::Contains("seed: expected a non-negative integer"));
  CHECK_THAT(error_with({{"ksm.run", ""}}), Catch::Contains("run: expected a value"));
  CHECK(split_override("a=b=c")->value == "b=c");
  CHECK_FALSE(split_override("=1"));
  CHECK_FALSE(split_override("novalue"));
}

TEST_CASE("ksmsim run --set", "[overrides][cli]") {
  ksmsim::test::ScratchDir dir("set");
  {
    std::ofstream f(dir.path / "s.yaml");
    // procs processes of 4 pages of 'a' and B's one: after two full scans
    // one KSM page, and the other procs * 4 + 1 - 1 pages share it.
    f << "scenario: s\nparams: {procs: 2}\nksm: {run: 1, pages_to_scan: 100}\nsteps:\n"
         "  - spawn: B\n  - mmap: {mm: B, vma: h, pages: 1}\n  - write: {mm: B, vma: h, fill: "
         "'a'}\n"
         "  - madvise: {mm: B, vma: h, advice: mergeable}\n"
         "  - repeat:\n      count: \"{params.procs}\"\n      steps:\n"
         "        - spawn: \"P{i}\"\n        - mmap: {mm: \"P{i}\", vma: h, pages: 4}\n"
         "        - write: {mm: \"P{i}\", vma: h, fill: 'a'}\n"
         "        - madvise: {mm: \"P{i}\", vma: h, advice: mergeable}\n"
         "  - wait: {full_scans: 2}\n"
         "  - expect: {pages_shared: 1, pages_sharing: \"{params.procs*4}\"}\n";
  }
  CHECK(ksmsim::test::run_cli("run " + dir.file("s.yaml") + " --quiet").code == 0);
  ksmsim::test::CliOutput three = ksmsim::test::run_cli(
      "run " + dir.file("s.yaml") + " --set params.procs=3 --set ksm.pages_to_scan=5");
  CHECK(three.code == 0);
  CHECK_THAT(three.text, Catch::Contains("pages_shared 1, pages_sharing 12"));
  // report and step take it too.
  CHECK(ksmsim::test::run_cli("report " + dir.file("s.yaml") + " -o " + dir.file("r.html") +
                              " --set params.procs=3")
            .code == 0);
  CHECK_THAT(ksmsim::test::run_cli("run " + dir.file("s.yaml") + " --set params.nope=3").text,
             Catch::Contains("unknown key 'params.nope'"));
  CHECK(ksmsim::test::run_cli("run " + dir.file("s.yaml") + " --set params.nope=3").code == 2);
  ksmsim::test::CliOutput bad = ksmsim::test::run_cli("run " + dir.file("s.yaml") + " --set procs");
  CHECK(bad.code == 2);
  CHECK_THAT(bad.text, Catch::Contains("--set takes KEY=VALUE, not 'procs'"));
  // The kernel refuses the knob's value: exit 2 at the argument.
  ksmsim::test::CliOutput knob =
      ksmsim::test::run_cli("run " + dir.file("s.yaml") + " --set ksm.run=7");
  CHECK(knob.code == 2);
  CHECK_THAT(knob.text, Catch::Contains("--set ksm.run=7:1:15: ksm: run: the kernel refuses '7'"));
  CHECK(ksmsim::test::run_cli("step " + dir.file("s.yaml") +
                              " --set params.nope=1 --script /dev/null")
            .code == 2);
}
