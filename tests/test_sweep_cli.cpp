// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim sweep` from the command line (tools/cmd_sweep.cpp): the CSV's
// rows in grid order with the counters the kernel's definitions give, the
// same bytes with --jobs 1 and --jobs 2 and twice, a point whose run fails
// as a row with its status, bad --grid input refused with exit 2 naming
// the key, the plot; and `run --set` reaching every scenario of a suite and
// every profile of `--kernel all`.

#include "tests/catch.h"

#include <fmt/format.h>

#include <sstream>
#include <string>
#include <vector>

#include "tests/run_cli.h"
#include "tests/temp_dir.h"

using ksmsim::test::run_cli;
using test_files::slurp;
using test_files::TempDir;

namespace {

const std::string SRC = KSMSIM_SOURCE_DIR;
const std::string KVM = "'" + SRC + "/scenarios/workloads/kvm-host.yaml'";
// kvm-host.yaml with 2 guests of 64 pages: 16 zero, 32 OS, 16 private each.
const std::string SMALL = KVM + " --set params.guests=2 --set params.zero=16 "
                                "--set params.os=32 --set params.private=16";
const std::string GRID = " --grid ksm.pages_to_scan=10,100 --grid ksm.sleep_millisecs=20,200";

std::vector<std::vector<std::string>> csv_rows(const std::string &text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> cells;
    std::stringstream cs(line);
    for (std::string c; std::getline(cs, c, ',');)
      cells.push_back(c);
    if (!line.empty() && line.back() == ',')
      cells.push_back("");
    rows.push_back(cells);
  }
  return rows;
}

std::string cell(const std::vector<std::vector<std::string>> &rows, std::size_t row,
                 const std::string &column) {
  for (std::size_t i = 0; i < rows[0].size(); i++)
    if (rows[0][i] == column)
      return rows.at(row).at(i);
  FAIL("no column " << column);
  return "";
}

} // namespace

TEST_CASE("sweep cli: one row per point in grid order, the kernel's counters in each",
          "[sweep][cli]") {
  TempDir dir;
  const std::string csv = (dir.path / "sweep.csv").string();
  auto r = run_cli(fmt::format("sweep {}{} --jobs 2 --out '{}'", SMALL, GRID, csv));
  INFO(r.text);
  REQUIRE(r.code == 0);
  CHECK(r.text.find("4 points (2 ksm.pages_to_scan x 2 ksm.sleep_millisecs)") != std::string::npos);
  CHECK(r.text.find("cost model linux-6.18-amd-epyc") != std::string::npos);
  const auto rows = csv_rows(slurp(csv));
  REQUIRE(rows.size() == 5);
  CHECK(rows[0][0] == "point");
  CHECK(rows[0][1] == "ksm.pages_to_scan");
  CHECK(rows[0][2] == "ksm.sleep_millisecs");
  CHECK(rows[0][3] == "seed");
  const char *want[4][2] = {{"10", "20"}, {"10", "200"}, {"100", "20"}, {"100", "200"}};
  for (std::size_t i = 1; i <= 4; i++) {
    INFO("row " << i);
    CHECK(rows[i][0] == std::to_string(i - 1));
    CHECK(rows[i][1] == want[i - 1][0]);
    CHECK(rows[i][2] == want[i - 1][1]);
    CHECK(cell(rows, i, "exit") == "0");
    // kvm-host.yaml's shape by ksm.rst's definitions: pages_shared = 1 + os
    // (the zero content and each OS page), pages_sharing = guests x zero - 1
    // + os x (guests - 1), pages_unshared = guests x private.
    CHECK(cell(rows, i, "pages_shared") == "33");
    CHECK(cell(rows, i, "pages_sharing") == "63");
    CHECK(cell(rows, i, "pages_unshared") == "32");
    CHECK(cell(rows, i, "pages_volatile") == "0");
    // general_profit = pages_sharing x 4096 - rmap_items x 64, an
    // rmap_item for each of the 128 pages.
    CHECK(cell(rows, i, "general_profit") == std::to_string(63 * 4096 - 128 * 64));
    CHECK_FALSE(cell(rows, i, "ksmd_cpu_ns").empty());
    CHECK_FALSE(cell(rows, i, "time_to_100_us").empty());
    CHECK(cell(rows, i, "error").empty());
  }
  // A batch costs the same whatever the sleep, so ksmd's share of the CPU
  // falls as sleep_millisecs grows: busy / (busy + sleeps).
  CHECK(std::stod(cell(rows, 1, "ksmd_cpu_percent")) >
        std::stod(cell(rows, 2, "ksmd_cpu_percent")));
  CHECK(std::stod(cell(rows, 3, "ksmd_cpu_percent")) >
        std::stod(cell(rows, 4, "ksmd_cpu_percent")));
}

TEST_CASE("sweep cli: the same CSV bytes with --jobs 1 and --jobs 2, with seeds", "[sweep][cli]") {
  TempDir dir;
  const std::string a = (dir.path / "a.csv").string(), b = (dir.path / "b.csv").string();
  REQUIRE(run_cli(fmt::format("sweep {}{} --seeds 2 --jobs 1 --out '{}' --quiet", SMALL, GRID, a))
              .code == 0);
  REQUIRE(run_cli(fmt::format("sweep {}{} --seeds 2 --jobs 2 --out '{}' --quiet", SMALL, GRID, b))
              .code == 0);
  const std::string text = slurp(a);
  CHECK(text == slurp(b));
  const auto rows = csv_rows(text);
  REQUIRE(rows.size() == 9);
  // The seed varies fastest, from the file's (kvm-host.yaml has none: 0).
  CHECK(cell(rows, 1, "seed") == "0");
  CHECK(cell(rows, 2, "seed") == "1");
  CHECK(cell(rows, 2, "ksm.sleep_millisecs") == "20");
  CHECK(cell(rows, 3, "ksm.sleep_millisecs") == "200");
  // stdout by default, the summary on stderr then.
  auto out = ksmsim::test::run_split(
      dir.path, fmt::format("sweep {}{} --seeds 2 --jobs 2", SMALL, GRID), false);
  CHECK(out.code == 0);
  CHECK(out.out == text);
  CHECK(out.err.find("8 points") != std::string::npos);
}

TEST_CASE("sweep cli: a point whose run fails is a row with its status", "[sweep][cli]") {
  TempDir dir;
  const std::string csv = (dir.path / "s.csv").string();
  // 128 pages at 1 a batch need 256 batches for two full scans: past the
  // budget of 100; at 100 a batch, 3 batches.
  auto r = run_cli(fmt::format("sweep {} --grid ksm.pages_to_scan=1,100 --max-ksmd-batches 100 "
                               "--out '{}'",
                               SMALL, csv));
  INFO(r.text);
  CHECK(r.code == 1);
  CHECK(r.text.find("1 exit 0, 0 exit 1, 1 exit 2") != std::string::npos);
  const auto rows = csv_rows(slurp(csv));
  REQUIRE(rows.size() == 3);
  CHECK(cell(rows, 1, "exit") == "2");
  CHECK(cell(rows, 1, "pages_sharing").empty());
  CHECK(slurp(csv).find("--max-ksmd-batches") != std::string::npos);
  CHECK(cell(rows, 2, "exit") == "0");
  CHECK(cell(rows, 2, "pages_sharing") == "63");
}

TEST_CASE("sweep cli: a bad --grid is exit 2 naming the key, before anything runs",
          "[sweep][cli]") {
  TempDir dir;
  const std::string csv = (dir.path / "never.csv").string();
  struct Case {
    const char *grid, *says;
  } cases[] = {
      {"ksm.no_such_knob=1,2", "ksm.no_such_knob"},    {"params.nope=1", "params.nope"},
      {"machine.nodes=1,abc", "machine.nodes=abc"},    {"ksm.pages_to_scan=", "ksm.pages_to_scan"},
      {"ksm.pages_to_scan=1,,2", "ksm.pages_to_scan"}, {"ksm.pages_to_scan", "KEY=VALUE"},
  };
  for (const Case &c : cases) {
    INFO(c.grid);
    auto r = run_cli(fmt::format("sweep {} --grid '{}' --out '{}'", SMALL, c.grid, csv));
    INFO(r.text);
    CHECK(r.code == 2);
    CHECK(r.text.find(c.says) != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(csv));
  }
  CHECK(run_cli(fmt::format("sweep {} --grid seed=1,2 --seeds 2", SMALL)).code == 2);
  CHECK(run_cli(fmt::format("sweep {} --grid ksm.run=1 --grid ksm.run=1", SMALL)).code == 2);
  CHECK(run_cli(fmt::format("sweep {} --seeds 0", SMALL)).code == 2);
  CHECK(run_cli(fmt::format("sweep {} --plot '{}/p.png'", SMALL, dir.path.string())).code == 2);
  CHECK(run_cli(fmt::format("sweep {} --cost no-such-model", SMALL)).code == 2);
}

TEST_CASE("sweep cli: --plot draws one mark per point, the same bytes twice", "[sweep][cli]") {
  TempDir dir;
  const std::string p1 = (dir.path / "a.svg").string(), p2 = (dir.path / "b.svg").string();
  REQUIRE(run_cli(fmt::format("sweep {}{} --jobs 2 --quiet --out /dev/null --plot '{}'", SMALL,
                              GRID, p1))
              .code == 0);
  REQUIRE(run_cli(fmt::format("sweep {}{} --jobs 1 --quiet --out /dev/null --plot '{}'", SMALL,
                              GRID, p2))
              .code == 0);
  const std::string svg = slurp(p1);
  CHECK(svg == slurp(p2));
  std::size_t marks = 0;
  for (std::size_t at = svg.find("<circle class=\"point\""); at != std::string::npos;
       at = svg.find("<circle class=\"point\"", at + 1))
    marks++;
  CHECK(marks == 4);
  // OUT.html: the page with Chart.js (Debian's libjs-chart.js), a point each.
  const std::string h1 = (dir.path / "a.html").string(), h2 = (dir.path / "b.html").string();
  REQUIRE(run_cli(fmt::format("sweep {}{} --jobs 2 --quiet --out /dev/null --plot '{}'", SMALL,
                              GRID, h1))
              .code == 0);
  REQUIRE(run_cli(fmt::format("sweep {}{} --jobs 1 --quiet --out /dev/null --plot '{}'", SMALL,
                              GRID, h2))
              .code == 0);
  const std::string page = slurp(h1);
  CHECK(page == slurp(h2));
  std::size_t points = 0;
  for (std::size_t at = page.find("\"saved_mib\""); at != std::string::npos;
       at = page.find("\"saved_mib\"", at + 1))
    points++;
  CHECK(points == 4);
  CHECK(page.find("new Chart(") != std::string::npos);
}

TEST_CASE("run --set: applies to every scenario of a suite and every profile of --kernel all",
          "[sweep][cli][set]") {
  TempDir dir;
  // n identical pages: one KSM page and n - 1 sharing it once ksmd has
  // merged them (ksm.rst's definitions); the expectation holds for n = 4 only.
  const std::string scenario = "scenario: set-reaches\n"
                               "params: {pages: 4}\n"
                               "machine: {nodes: 1}\n"
                               "ksm: {run: 0, pages_to_scan: 100, sleep_millisecs: 20}\n"
                               "steps:\n"
                               "  - spawn: A\n"
                               "  - mmap: {mm: A, vma: heap, pages: \"{params.pages}\"}\n"
                               "  - write: {mm: A, vma: heap, pages: all, fill: 'a'}\n"
                               "  - madvise: {mm: A, vma: heap, advice: mergeable}\n"
                               "  - sysfs: {run: 1}\n"
                               "  - wait: {full_scans: 2}\n"
                               "  - expect: {pages_shared: 1, pages_sharing: 3}\n";
  const std::string a = dir.write("a.yaml", scenario).string();
  const std::string b = dir.write("b.yaml", scenario).string();
  auto r = run_cli(fmt::format("run '{}' '{}' --format tap", a, b));
  INFO(r.text);
  CHECK(r.code == 0);
  r = run_cli(fmt::format("run '{}' '{}' --format tap --set params.pages=8", a, b));
  INFO(r.text);
  CHECK(r.code == 1);
  CHECK(r.text.find("not ok 1") != std::string::npos);
  CHECK(r.text.find("not ok 2") != std::string::npos);
  r = run_cli(fmt::format("run '{}' '{}' --set params.nope=2", a, b));
  CHECK(r.code == 2);
  CHECK(r.text.find("params.nope") != std::string::npos);
  r = run_cli(fmt::format("run '{}' --kernel all", a));
  INFO(r.text);
  CHECK(r.code == 0);
  r = run_cli(fmt::format("run '{}' --kernel all --set params.pages=8", a));
  INFO(r.text);
  CHECK(r.code == 1);
  r = run_cli(fmt::format("run '{}' --kernel all --set params.nope=2", a));
  CHECK(r.code == 2);
  CHECK(r.text.find("params.nope") != std::string::npos);
}
