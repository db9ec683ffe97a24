// SPDX-License-Identifier: GPL-2.0-only
//
// The HTML report's data blob (sim/report/html_report.h), without a
// browser: its fields, checkpoints and markers; and the page around it.
#include "catch.h"

#include "ksmsim/runner.h"
#include "ksmsim/scenario.h"
#include "sim/inspect/svg.h"
#include "sim/report/html_report.h"
#include "tests/run_cli.h"

using namespace ksmsim;
using ojson = nlohmann::ordered_json;

namespace {

const char *const TEXT = R"(scenario: report-blob
ksm: {run: 1, pages_to_scan: 100, sleep_millisecs: 20}
steps:
  - spawn: A
  - mmap: {mm: A, vma: heap, pages: 4}
  - write: {mm: A, vma: heap, pages: 0-3, fill: 'a'}
  - madvise: {mm: A, vma: heap, advice: mergeable}
  - expect: {pages_shared: 0}
  - sleep: 200ms
  - sample: after
  - expect: {pages_shared: 1, pages_sharing: 3}
  - expect: {pages_shared: 7}
)";

ojson blob(const std::string &text, const std::string &file) {
  scenario::Scenario s = scenario::parse_text(text, file);
  RunOptions ro;
  REQUIRE(want_report(ro).empty());
  RunResult r = run_scenario(s, ro);
  return report_data(s, file, text, r);
}

} // namespace

TEST_CASE("html report: the blob's fields, series and step markers") {
  ojson d = blob(TEXT, "blob.yaml");
  CHECK(d["format"] == "ksmsim-report-1");
  CHECK(d["scenario"]["name"] == "report-blob");
  CHECK(d["scenario"]["text"] == TEXT);
  CHECK(d["result"] == "fail");
  CHECK(d["exit_code"] == 1);
  CHECK(d["counters"] ==
        ojson({"pages_shared", "pages_sharing", "pages_unshared", "pages_volatile", "full_scans"}));
  const ojson &t = d["timeline"];
  REQUIRE(t["time_us"].size() > 3);
  for (const auto &[name, series] : t["series"].items())
    CHECK(series.size() == t["time_us"].size());
  CHECK(t["series"]["pages_sharing"].back() == 3);
  for (std::size_t i = 1; i < t["time_us"].size(); i++)
    CHECK(t["time_us"][i - 1] <= t["time_us"][i]);
  REQUIRE(d["steps"].size() == 9);
  CHECK(d["steps"][5]["kind"] == "sleep");
  CHECK(d["steps"][5]["time_us"] == 0);      // the sleep starts at 0
  CHECK(d["steps"][6]["time_us"] == 200000); // and the sample comes after it
  CHECK(d["events"].empty());
}

TEST_CASE("html report: every checkpoint with its expectation and picture") {
  ojson d = blob(TEXT, "blob.yaml");
  const ojson &c = d["checkpoints"];
  REQUIRE(c.size() == 4);
  CHECK(c[0]["number"] == 1);
  CHECK(c[0]["kind"] == "expect");
  CHECK(c[0]["expectation"]["ok"] == true);
  CHECK(c[1]["kind"] == "sample");
  CHECK(c[1]["label"] == "after");
  CHECK(c[1]["expectation"].is_null());
  CHECK(c[2]["expectation"]["ok"] == true);
  CHECK(c[2]["counters"]["pages_sharing"] == 3);
  CHECK(c[3]["expectation"]["ok"] == false);
  REQUIRE(c[3]["expectation"]["failures"].size() == 1);
  CHECK(c[3]["expectation"]["failures"][0].get<std::string>().find("pages_shared") !=
        std::string::npos);
  if (have_graphviz()) {
    REQUIRE(d["pictures"].size() == 4);
    for (std::size_t i = 0; i < 4; i++) {
      CHECK(c[i]["picture"] == i);
      CHECK(d["pictures"][i].get<std::string>().rfind("<svg", 0) == 0);
    }
    CHECK(d["pictures"][0] != d["pictures"][2]); // the merge shows
  } else {
    CHECK(c[0]["picture"] == -1);
    CHECK(!c[0]["picture_error"].get<std::string>().empty());
  }
}

TEST_CASE("html report: a warning and a detector report are markers") {
  scenario::Scenario s = scenario::parse_file(
      KSMSIM_SOURCE_DIR "/scenarios/regressions/fork-behind-unmerge-cursor.yaml");
  RunOptions ro;
  REQUIRE(want_report(ro).empty());
  RunResult r = run_scenario(s, ro);
  ojson d = report_data(s, "f.yaml", "", r);
  REQUIRE(!d["events"].empty());
  CHECK(d["events"][0]["kind"] == "warning");
  CHECK(d["events"][0]["text"].get<std::string>().find("remove_stable_node") != std::string::npos);
  CHECK(d["events"][0]["time_us"].is_number());
}

TEST_CASE("html report: the page inlines the blob safely and is the same every time") {
  ojson d = blob(TEXT + std::string("# </script><!-- a comment\n"), "blob.yaml");
  std::string page = render_report(d, "/* chart.js */");
  CHECK(page.find("</script><!--") == std::string::npos);
  CHECK(page.find("\\u003c/script>") != std::string::npos);
  CHECK(page.find("/* chart.js */") != std::string::npos);
  CHECK(page.find("<script type=\"application/json\" id=\"ksmsim-data\">") != std::string::npos);
  CHECK(page == render_report(blob(TEXT + std::string("# </script><!-- a comment\n"), "blob.yaml"),
                              "/* chart.js */"));
}

TEST_CASE("html report: --dump-format other than svg is refused") {
  RunOptions ro;
  ro.dump_format = "text";
  ro.dump_each_checkpoint = true;
  CHECK(want_report(ro).find("svg") != std::string::npos);
}

TEST_CASE("html report: the command line's errors exit 2") {
  using ksmsim::test::run_cli;
  const std::string scn = KSMSIM_SOURCE_DIR "/scenarios/basics/fork-cow.yaml";
  ksmsim::test::CliOutput o = run_cli("report '" + scn + "'");
  CHECK(o.code == 2);
  CHECK(o.text.find("-o OUT") != std::string::npos);
  o = run_cli("run '" + scn + "' --html /dev/null --dump-each checkpoint --dump-format text");
  CHECK(o.code == 2);
  CHECK(o.text.find("SVG dumps") != std::string::npos);
  o = run_cli("report '" + scn + "' -o '" + scn + "'");
  CHECK(o.code == 2);
  o = run_cli("report /nonexistent.yaml -o /dev/null");
  CHECK(o.code == 2);
}

TEST_CASE("html report: run --html prints no SVG of its own") {
  ksmsim::test::ScratchDir dir("html-run");
  const std::string scn = KSMSIM_SOURCE_DIR "/scenarios/basics/fork-cow.yaml";
  ksmsim::test::CliOutput o =
      ksmsim::test::run_cli("run '" + scn + "' --html " + dir.file("r.html"));
  CHECK(o.code == 0);
  CHECK(o.text.find("<svg") == std::string::npos);
  CHECK(dir.slurp("r.html").find("ksmsim-data") != std::string::npos);
}
