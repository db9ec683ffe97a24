// SPDX-License-Identifier: GPL-2.0-only
//
// Counters over time (sim/inspect/timeline.cpp): the columns, a row per
// ksmd batch, values that agree with the final summary, `sample:` rows,
// --timeline-period, JSON Lines, and the checkpoints in --json.

#include "catch.h"

#include <nlohmann/json.hpp>

#include <sstream>

#include "inspect_helpers.h"

using namespace ksmsim;

namespace {

// 10 pages of 'a' in A, 4 pages a batch: a full scan is three batches
// (4, 4, then 2 and the end of the scan), 20 ms apart.
const char *TEN_PAGES = R"(scenario: timeline
ksm: {run: 0, pages_to_scan: 4, sleep_millisecs: 20}
steps:
  - spawn: A
  - mmap: {mm: A, vma: heap, pages: 10}
  - write: {mm: A, vma: heap, pages: 0-9, fill: 'a'}
  - madvise: {mm: A, vma: heap, advice: mergeable}
  - spawn: B
  - mmap: {mm: B, vma: buf, pages: 2}
  - write: {mm: B, vma: buf, pages: 0-1, fill: 'b'}
  - madvise: {mm: B, vma: buf, advice: mergeable}
  - sysfs: {run: 1}
  - wait: {full_scans: 2}
  - sample: merged
  - expect: {pages_shared: 2, pages_sharing: 10}
)";

std::vector<std::vector<std::string>> csv(const std::string &text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::stringstream ls(line);
    for (std::string cell; std::getline(ls, cell, ',');)
      cells.push_back(cell);
    if (!line.empty() && line.back() == ',')
      cells.push_back("");
    rows.push_back(cells);
  }
  return rows;
}

RunOptions with_timeline(std::uint64_t period_us = 0) {
  RunOptions o;
  o.timeline = true;
  o.timeline_period_us = period_us;
  return o;
}

} // namespace

TEST_CASE("timeline: columns, a row per ksmd batch, a sample row", "[timeline]") {
  RunResult r = inspect_test::run_text(TEN_PAGES, with_timeline());
  REQUIRE(r.exit_code == 0);
  auto rows = csv(r.timeline_csv);
  REQUIRE(!rows.empty());
  const std::vector<std::string> header = {
      "time_us",      "step",          "kind",           "label",
      "pages_shared", "pages_sharing", "pages_unshared", "pages_volatile",
      "full_scans",   "stable_nodes",  "migrate_nodes",  "rmap_items",
      "A.rmap_items", "A.merged",      "B.rmap_items",   "B.merged"};
  CHECK(rows[0] == header);
  // 12 pages, 4 a batch: each full scan is 4 + 4 + 4 and then a batch that
  // only finds the end of the list; two scans: 8 batches, 20 ms apart.
  std::vector<std::vector<std::string>> batches, samples;
  for (std::size_t i = 1; i < rows.size(); i++) {
    REQUIRE(rows[i].size() == header.size());
    (rows[i][2] == "batch" ? batches : samples).push_back(rows[i]);
  }
  REQUIRE(batches.size() == 8);
  for (std::size_t i = 0; i < batches.size(); i++)
    CHECK(batches[i][0] == std::to_string(i * 20000));
  REQUIRE(samples.size() == 1);
  CHECK(samples[0][2] == "sample");
  CHECK(samples[0][3] == "merged");
  CHECK(samples[0][1] == "11");
  // The last batch ends scan 2: its figures are the final ones.
  const auto &last = batches.back();
  CHECK(last[4] == "2");  // pages_shared
  CHECK(last[5] == "10"); // pages_sharing
  CHECK(last[8] == "2");  // full_scans
  CHECK(last[9] == "2");  // stable_nodes
  CHECK(last[11] == "12");
  CHECK(last[12] == "10"); // A.rmap_items
  CHECK(last[13] == "10"); // A.merged
  CHECK(last[15] == "2");  // B.merged
  CHECK(r.summary.find("final at 140 ms: pages_shared 2, pages_sharing 10, pages_unshared 0, "
                       "pages_volatile 0, full_scans 2") != std::string::npos);
  // Values only grow while pages merge: rmap_items as ksmd first meets pages.
  CHECK(batches[0][11] == "4");
  CHECK(batches[1][11] == "8");
}

TEST_CASE("timeline: --timeline-period samples at most once a period", "[timeline]") {
  RunResult r = inspect_test::run_text(TEN_PAGES, with_timeline(50000));
  auto rows = csv(r.timeline_csv);
  std::vector<std::string> times;
  for (std::size_t i = 1; i < rows.size(); i++)
    if (rows[i][2] == "batch")
      times.push_back(rows[i][0]);
  // Batches at 0, 20, ..., 140 ms; rows at the first batch of each 50 ms.
  CHECK(times == std::vector<std::string>{"0", "60000", "100000"});
}

TEST_CASE("timeline: JSON Lines carry the same rows", "[timeline]") {
  RunResult r = inspect_test::run_text(TEN_PAGES, with_timeline());
  std::istringstream in(r.timeline_jsonl);
  std::size_t n = 0;
  nlohmann::json last;
  for (std::string line; std::getline(in, line); n++) {
    last = nlohmann::json::parse(line);
    REQUIRE(last.contains("time_us"));
    REQUIRE(last.contains("step"));
    REQUIRE(last.at("mms").is_object());
  }
  CHECK(n == csv(r.timeline_csv).size() - 1);
  CHECK(last["kind"] == "sample");
  CHECK(last["pages_sharing"] == 10);
  CHECK(last["mms"]["A"]["merged"] == 10);
  CHECK(last["mms"]["B"]["rmap_items"] == 2);
}

TEST_CASE("timeline: checkpoints in --json, existing keys kept", "[timeline]") {
  RunResult r = inspect_test::run_text(TEN_PAGES, RunOptions{});
  CHECK(r.timeline_csv.empty()); // only when asked for
  nlohmann::json j = nlohmann::json::parse(r.json);
  for (const char *k :
       {"scenario", "kernel", "result", "exit_code", "steps", "oopses", "warnings",
        "detector_reports", "invariant_violations", "final", "checkpoints", "names"})
    CHECK(j.contains(k));
  REQUIRE(j["checkpoints"].size() == 2);
  CHECK(j["checkpoints"][0]["kind"] == "sample");
  CHECK(j["checkpoints"][0]["label"] == "merged");
  CHECK(j["checkpoints"][0]["step"] == 11);
  CHECK(j["checkpoints"][1]["kind"] == "expect");
  CHECK(j["checkpoints"][1]["line"] == 15);
  CHECK(j["checkpoints"][1]["time_us"] == 140000);
  CHECK(j["checkpoints"][1]["counters"]["pages_sharing"] == 10);
  CHECK(j["checkpoints"][1]["mms"]["B"]["merged"] == 2);
  // RunResult's checkpoints (for `ksmsim compare`) say which are expect.
  REQUIRE(r.checkpoints.size() == 2);
  CHECK(r.checkpoints[0].kind == "sample");
  CHECK(r.checkpoints[1].kind == "expect");
}
