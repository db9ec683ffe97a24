// SPDX-License-Identifier: GPL-2.0-only
//
// The cost model (docs/cost-model.md): the cost file's parser and its errors
// with their locations, a batch's price, the engine's virtual time with a
// busy ksmd, CPU%, pages/s, time to 50/90/100% of pages_sharing and
// general_profit on a tiny scenario worked out by hand, and that a run
// without a cost model shows none of it.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <iterator>

#include "inspect_helpers.h"
#include "sim/cost/cost_model.h"
#include "sim/cost/ksmd_busy.h"
#include "sim/report/cost_report.h"
#include "temp_dir.h"

using namespace ksmsim;

namespace {

const char *GOOD = R"(# a comment
cost_model: 1
name: test-model
kernel: "Linux 6.18"
cpu: "a CPU"
date: "2026-12-01"
measured: "by hand"
ns:
  pages_scanned: 250000
  memcmp_bytes: 0.125
  batch: 100000
  sleep: 1.5
)";

std::string error_of(const std::string &text) {
  try {
    parse_cost_text(text, "c.yaml");
  } catch (const scenario::ScenarioError &e) {
    return e.what();
  }
  return "";
}

std::string replace(std::string s, const std::string &from, const std::string &to) {
  auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

// 10 pages of 'a', 4 a batch: a full scan is three batches (4, 4, then 2
// and the end of the list). The model: 250 us a page scanned, 100 us a
// batch, nothing else.
const char *TEN_PAGES = R"(scenario: cost
ksm: {run: 0, pages_to_scan: 4, sleep_millisecs: 20}
steps:
  - spawn: A
  - mmap: {mm: A, vma: heap, pages: 10}
  - write: {mm: A, vma: heap, pages: 0-9, fill: 'a'}
  - madvise: {mm: A, vma: heap, advice: mergeable}
  - sysfs: {run: 1}
  - wait: {full_scans: 2}
  - sample: done
)";

const char *MODEL = R"(cost_model: 1
name: quarter-ms
kernel: "-"
cpu: "-"
date: "-"
measured: "-"
ns:
  pages_scanned: 250000
  batch: 100000
)";

} // namespace

TEST_CASE("cost file: a good file", "[cost]") {
  CostModel m = parse_cost_text(GOOD, "c.yaml");
  CHECK(m.name == "test-model");
  CHECK(m.kernel == "Linux 6.18");
  CHECK(m.cpu == "a CPU");
  CHECK(m.date == "2026-12-01");
  CHECK(m.measured == "by hand");
  CHECK(m.ps[0] == 250'000'000); // pages_scanned, KSM_OP_FIELDS[0]
  CHECK(m.ps[4] == 125);         // memcmp_bytes: 0.125 ns
  CHECK(m.ps[1] == 0);           // follow_page: left out
  CHECK(m.batch_ps == 100'000'000);
  CHECK(m.sleep_ps == 1500);
  CHECK(std::string(KSM_OP_FIELDS[4].name) == "memcmp_bytes");
}

TEST_CASE("cost file: each kind of error, with its line and column", "[cost]") {
  CHECK(error_of(replace(GOOD, "cpu:", "cpux:")) ==
        "c.yaml:5:1: unknown key 'cpux' (expected one of: cost_model, name, kernel, cpu, date, "
        "measured, ns)");
  CHECK(error_of(replace(GOOD, "cpu: \"a CPU\"\n", "")) == "c.yaml:1:1: missing key 'cpu'");
  CHECK(error_of(replace(GOOD, "cost_model: 1", "cost_model: 2")) ==
        "c.yaml:2:13: cost_model: this ksmsim reads version 1");
  CHECK(error_of(replace(GOOD, "name: test-model", "name: Test Model")) ==
        "c.yaml:3:7: name: a name is made of a-z, 0-9, '.', '_' and '-'");
  CHECK(error_of(replace(GOOD, "250000", "-3")) ==
        "c.yaml:9:18: pages_scanned: expected ns as a non-negative number with at most three "
        "decimals, like 12 or 0.125, not '-3'");
  CHECK(error_of(replace(GOOD, "0.125", "0.1255")).rfind("c.yaml:10:17: memcmp_bytes:", 0) == 0);
  CHECK(error_of(replace(GOOD, "0.125", "1e3")).rfind("c.yaml:10:17: memcmp_bytes:", 0) == 0);
  CHECK(error_of(replace(GOOD, "0.125", "2000000000")) ==
        "c.yaml:10:17: memcmp_bytes: '2000000000' ns is more than a second per operation");
  CHECK(error_of(replace(GOOD, "  batch:", "  batches:"))
            .rfind("c.yaml:11:3: unknown operation 'batches' (expected one of: pages_scanned, ",
                   0) == 0);
  CHECK(error_of(replace(GOOD, "ns:\n", "ns: 3\n  x:\n")).rfind("c.yaml:9:", 0) == 0);
  CHECK(error_of("[1, 2]") ==
        "c.yaml:1:1: a cost file is a map with keys cost_model, name, kernel, cpu, date, "
        "measured and ns");
  CHECK(error_of("a: [1,\n").rfind("c.yaml:2:", 0) == 0);
}

TEST_CASE("cost file: unknown model name, and a file relative to its base", "[cost]") {
  scenario::Location at{"s.yaml", 3, 14};
  try {
    load_cost_model("no-such-model", "", at);
    FAIL("loaded");
  } catch (const scenario::ScenarioError &e) {
    CHECK(std::string(e.what()) == "s.yaml:3:14: cost: 'no-such-model' is neither a built-in "
                                   "cost model (linux-6.18-amd-epyc) nor a cost file");
  }
  test_files::TempDir dir;
  std::ofstream(dir.path / "m.yaml") << MODEL;
  CostModel m = load_cost_model("m.yaml", dir.path.string(), at);
  CHECK(m.name == "quarter-ms");
  CHECK(m.source == (dir.path / "m.yaml").string());
}

TEST_CASE("cost: the built-in model is cost/'s file, byte for byte", "[cost]") {
  for (const std::string &name : builtin_cost_models()) {
    std::ifstream in(std::string(KSMSIM_SOURCE_DIR) + "/cost/" + name + ".yaml");
    REQUIRE(in);
    std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(file == builtin_cost_text(name));
    CostModel m = load_cost_model(name, "", {});
    CHECK(m.name == name);
    CHECK(m.source == "built-in");
  }
}

TEST_CASE("cost: a batch's price is the sum of count x cost", "[cost]") {
  CostModel m = parse_cost_text(GOOD, "c.yaml");
  KsmOps before, after;
  before.pages_scanned = 5;
  after.pages_scanned = 8;   // 3 pages: 3 x 250 us
  after.memcmp_bytes = 4097; // 4097 x 0.125 ns = 512.125 ns
  after.checksums = 7;       // no cost given: 0
  // 100 us + 750 us + 512.125 ns
  CHECK(batch_cost_ps(m, before, after) == 100'000'000 + 750'000'000 + 512'125);
}

TEST_CASE("cost: time to a share of pages_sharing, CPU%, general_profit", "[cost]") {
  KsmdBusy b;
  KsmOps o0, o1;
  o1.full_scans = 1;
  // 1.5 us, then 0.7 us: the running total in whole us, 1 then 2 (1.5 + 0.7 = 2.2).
  CHECK(b.add_batch(10, 1'500'000, o0, o0, 3) == 11);
  CHECK(b.add_batch(30, 700'000, o0, o1, 10) == 31);
  CHECK(b.full_scans.size() == 1);
  CHECK(b.full_scans[0].cpu_ps == 2'200'000);
  CHECK(b.full_scans[0].batches == 2);
  std::uint64_t t = 0;
  CHECK(b.time_to_reach(10, 30, &t)); // ceil(3) = 3: the first batch's end
  CHECK(t == 11);
  CHECK(b.time_to_reach(10, 31, &t)); // ceil(3.1) = 4: the second's
  CHECK(t == 31);
  CHECK_FALSE(b.time_to_reach(11, 100, &t));
  CHECK_FALSE(b.time_to_reach(0, 50, &t));
  // 2.2 us busy over 31 - 10 = 21 us: 10.476...% -> 1047 hundredths
  CHECK(cpu_percent_x100(b.cpu_ps, 21) == 1047);
  CHECK(percent_text(1047) == "10.47");
  CHECK(percent_text(5) == "0.05");
  CHECK(general_profit(9, 10) == 9 * 4096 - 10 * 64);
  CHECK(general_profit(0, 3) == -192);
}

TEST_CASE("cost: a busy ksmd, by hand", "[cost]") {
  test_files::TempDir dir;
  std::ofstream(dir.path / "m.yaml") << MODEL;
  RunOptions o;
  o.timeline = true;
  o.cost = (dir.path / "m.yaml").string();
  RunResult r = inspect_test::run_text(TEN_PAGES, o);
  REQUIRE(r.exit_code == 0);
  // Batches of 4, 4, 2 pages cost 1.1, 1.1 and 0.6 ms (100 us + 250 us a
  // page), and the next begins 20 ms after one ends:
  //   scan 1: 0-1.1, 21.1-22.2, 42.2-42.8 ms; scan 2: 62.8-63.9, 83.9-85.0, 105.0-105.6.
  // The wait ends with the batch that completed scan 2: at 105.6 ms.
  nlohmann::json j = nlohmann::json::parse(r.json);
  REQUIRE(j.contains("cost"));
  const auto &c = j["cost"];
  CHECK(c["model"] == "quarter-ms");
  CHECK(c["batches"] == 6);
  CHECK(c["ksmd_cpu_ns"] == 5'600'000); // 6 x 100 us + 20 pages x 250 us
  CHECK(c["first_batch_us"] == 0);
  CHECK(c["last_batch_end_us"] == 105'600);
  REQUIRE(c["full_scans"].size() == 2);
  CHECK(c["full_scans"][0]["end_us"] == 42'800);
  CHECK(c["full_scans"][0]["cpu_ns"] == 2'800'000);
  CHECK(c["full_scans"][0]["batches"] == 3);
  CHECK(c["full_scans"][0]["ops"]["pages_scanned"] == 10);
  CHECK(c["full_scans"][1]["end_us"] == 105'600);
  // 5.6 ms over 105.6 ms: 5.303%; 20 pages in 0.1056 s: 189.39 a second.
  CHECK(c["cpu_percent"] == 5.30);
  CHECK(c["pages_scanned_per_s"] == 189);
  // Scan 1 finds every page volatile (no checksum yet); scan 2 merges: the
  // second page with the first (pages_sharing 1), then one a page: 3 after
  // the batch at 62.8, 7 after 83.9, 9 after 105.0. 50%: ceil(4.5) = 5,
  // reached when the batch at 83.9 ms ended; 90% (9) and 100% at 105.6 ms.
  CHECK(c["time_to_pages_sharing_us"]["50"] == 85'000);
  CHECK(c["time_to_pages_sharing_us"]["90"] == 105'600);
  CHECK(c["time_to_pages_sharing_us"]["100"] == 105'600);
  CHECK(c["general_profit_bytes"] == 9 * 4096 - 10 * 64);
  CHECK(r.summary.find("final at 105 ms:") != std::string::npos);
  CHECK(r.summary.find("ksmd: 5.600 ms CPU in 6 batches over 105.600 ms (5.30% CPU), 189 pages "
                       "scanned/s, 2.800 ms CPU per full scan\n") != std::string::npos);
  CHECK(r.summary.find("pages_sharing 9: 50% at 85.000 ms, 90% at 105.600 ms, 100% at 105.600 "
                       "ms\n") != std::string::npos);
  CHECK(r.summary.find("memory saved (general_profit: pages_sharing x 4096 - rmap_items x 64): "
                       "36224 bytes\n") != std::string::npos);
  // The timeline: a row per batch at its start, with the CPU so far.
  CHECK(r.timeline_csv.find(",ksmd_cpu_ns,ksmd_cpu_percent,pages_scanned_per_s,general_profit,") !=
        std::string::npos);
  // The second batch row: at 21.1 ms, 2.2 ms CPU so far; over (0, 21.1 ms]
  // 1.1 ms of it (its own batch) is 5.21%, 4 pages in 21.1 ms 189 a second.
  CHECK(r.timeline_csv.find("\n21100,6,batch,,") != std::string::npos);
  CHECK(r.timeline_csv.find(",2200000,5.21,189,") != std::string::npos);
}

TEST_CASE("cost: the scenario's cost:, and --cost over it", "[cost]") {
  test_files::TempDir dir;
  std::ofstream(dir.path / "m.yaml") << MODEL;
  std::string text = std::string(TEN_PAGES);
  text = replace(text, "steps:\n", "cost: {model: m.yaml}\nsteps:\n");
  std::ofstream(dir.path / "s.yaml") << text;
  RunResult r = inspect_test::run_file((dir.path / "s.yaml").string(), RunOptions{});
  CHECK(nlohmann::json::parse(r.json)["cost"]["ksmd_cpu_ns"] == 5'600'000);
  RunOptions o;
  o.cost = "linux-6.18-amd-epyc";
  r = inspect_test::run_file((dir.path / "s.yaml").string(), o);
  CHECK(nlohmann::json::parse(r.json)["cost"]["model"] == "linux-6.18-amd-epyc");
  // An unknown name is the scenario's defect, at the model's value.
  std::ofstream(dir.path / "bad.yaml") << replace(text, "m.yaml", "nope");
  try {
    inspect_test::run_file((dir.path / "bad.yaml").string(), RunOptions{});
    FAIL("ran");
  } catch (const scenario::ScenarioError &e) {
    CHECK(e.location().line == 3);
    CHECK(e.location().column == 15);
  }
  // cost: takes only model.
  try {
    scenario::parse_text(replace(text, "{model: m.yaml}", "{modle: m.yaml}"), "t.yaml");
    FAIL("parsed");
  } catch (const scenario::ScenarioError &e) {
    CHECK(std::string(e.what()).rfind("t.yaml:3:8:", 0) == 0);
  }
}

TEST_CASE("cost: without a cost model no new field, line or column", "[cost]") {
  RunOptions o;
  o.timeline = true;
  RunResult r = inspect_test::run_text(TEN_PAGES, o);
  CHECK_FALSE(nlohmann::json::parse(r.json).contains("cost"));
  CHECK(r.summary.find("cost model") == std::string::npos);
  CHECK(r.summary.find("general_profit") == std::string::npos);
  CHECK(r.summary.find("final at 100 ms:") != std::string::npos); // batches take no time
  CHECK(r.timeline_csv.find("ksmd_cpu") == std::string::npos);
}

TEST_CASE("cost: the counts and times do not depend on --no-shortcuts", "[cost]") {
  // Distinct pages, scanned three times: the unstable tree's levels are
  // decided on what was seen (a shortcut) from the third scan on; the
  // kernel's follow_page and memcmp_pages are counted all the same.
  const char *text = R"(scenario: shortcuts
ksm: {run: 0, pages_to_scan: 16, sleep_millisecs: 20}
cost: {model: linux-6.18-amd-epyc}
steps:
  - spawn: A
  - mmap: {mm: A, vma: heap, pages: 64}
  - write: {mm: A, vma: heap, pages: all, random: 7}
  - madvise: {mm: A, vma: heap, advice: mergeable}
  - sysfs: {run: 1}
  - wait: {full_scans: 4}
)";
  RunOptions with, without;
  without.shortcuts = false;
  auto a = nlohmann::json::parse(inspect_test::run_text(text, with).json)["cost"];
  auto b = nlohmann::json::parse(inspect_test::run_text(text, without).json)["cost"];
  CHECK(a["ops"]["unstable_levels"] > 0);
  CHECK(a == b);
}

TEST_CASE("cost: a step at a time while ksmd is busy sees the batch done", "[cost]") {
  test_files::TempDir dir;
  std::ofstream(dir.path / "m.yaml") << MODEL;
  // As TEN_PAGES: the second batch runs 21.1-22.2 ms. A sample at 21.5 ms
  // (ksmd busy) sees its 8 rmap_items; one at 21.0 ms (ksmd asleep) the
  // first batch's 4. The steps do not move ksmd's batches: the wait still
  // ends at 105.6 ms.
  std::string text = replace(TEN_PAGES, "  - wait: {full_scans: 2}\n",
                             "  - sample: {label: asleep}\n    at: 21000us\n"
                             "  - sample: {label: busy}\n    at: 21500us\n"
                             "  - wait: {full_scans: 2}\n");
  RunOptions o;
  o.cost = (dir.path / "m.yaml").string();
  RunResult r = inspect_test::run_text(text, o);
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.json);
  REQUIRE(j["checkpoints"].size() == 3);
  CHECK(j["checkpoints"][0]["time_us"] == 21'000);
  CHECK(j["checkpoints"][0]["counters"]["rmap_items"] == 4);
  CHECK(j["checkpoints"][1]["time_us"] == 21'500);
  CHECK(j["checkpoints"][1]["counters"]["rmap_items"] == 8);
  CHECK(j["checkpoints"][2]["time_us"] == 105'600);
  CHECK(j["cost"]["full_scans"][1]["end_us"] == 105'600);
}
