// SPDX-License-Identifier: GPL-2.0-only
//
// What `ksmsim diff` reads besides the kernel's trace file: `trace-cmd
// report` output (tests/data/trace-cmd/, its layout from trace-cmd's
// tracecmd/trace-read.c), lost-events lines (warnings, not errors) and
// tracing_mark_write markers (left out unless --marks).

#include "ksmsim/tracediff.h"

#include "catch.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/run_cli.h"
#include "tests/trace_lines.h"

using namespace ksmsim::tracediff;
using catch_compat::Contains;
using ksmsim::test::ev;
using ksmsim::test::parse;
using ksmsim::test::run_cli;
using ksmsim::test::ScratchDir;

namespace {

const std::string kSource = KSMSIM_SOURCE_DIR;
const std::string kLiveTrace = kSource + "/tests/data/live/ksm-merge-unmerge-6.18.trace";
const std::string kReport = kSource + "/tests/data/trace-cmd/ksm-merge-unmerge-6.18.report";

// The kernel trace file's header and its first n events.
std::string live_head(int n) {
  std::ifstream f(kLiveTrace);
  std::string text;
  for (std::string line; n > 0 && std::getline(f, line);) {
    text += line + "\n";
    n -= !line.empty() && line[0] != '#';
  }
  return text;
}

} // namespace

TEST_CASE("trace-cmd report: the sample reads as the kernel's trace file does",
          "[tracediff][trace-cmd]") {
  const Trace report = read_trace(kReport);
  const Trace live = parse(live_head(24), "live");
  REQUIRE(report.events.size() == 24);
  REQUIRE(live.events.size() == 24);
  for (size_t i = 0; i < 24; ++i) {
    INFO("event " << i);
    CHECK(report.events[i].task == live.events[i].task);
    // "print: tracing_mark_write: ..." is read as the trace file's marker.
    CHECK(report.events[i].name == live.events[i].name);
    CHECK(report.events[i].text == live.events[i].text);
  }
  CHECK(report.events[0].name == "tracing_mark_write");
  CHECK(report.events[0].line == 2); // after "cpus=2"
  CHECK(report.warnings ==
        std::vector<std::string>{kReport +
                                 ":14: CPU:1 [3 EVENTS DROPPED]: the tracer lost events here"});
  CHECK(live.warnings.empty());
  Options marks;
  marks.marks = true;
  CHECK(diff(report, live, marks).equivalent());
}

TEST_CASE("trace-cmd report: a line without '[CPU]' is still an error", "[tracediff][trace-cmd]") {
  CHECK_THROWS_WITH(parse("cpus=2\n            ksmd-37    283.340066: ksm_stop_scan: seq 0\n"),
                    Contains("t.trace:2: expected a '[CPU]' field"));
  // Only "cpus=" and digits make the header line.
  CHECK_THROWS_WITH(parse("cpus=two\n"), Contains("t.trace:1: expected"));
}

TEST_CASE("lost events: warnings in the report and its JSON, not errors", "[tracediff][lost]") {
  const std::string a = ev("ksmd", "ksm_start_scan", "seq 1 rmap size 64") +
                        "CPU:1 [LOST 12 EVENTS]\n" + ev("ksmd", "ksm_stop_scan", "seq 1") +
                        "CPU:0 [LOST EVENTS]\n";
  const Trace ta = parse(a, "a.trace");
  CHECK(ta.events.size() == 2);
  CHECK(ta.warnings ==
        std::vector<std::string>{"a.trace:2: CPU:1 [LOST 12 EVENTS]: the tracer lost events here",
                                 "a.trace:4: CPU:0 [LOST EVENTS]: the tracer lost events here"});
  const Trace tb = parse("CPU:1 [EVENTS DROPPED]\n" + ev("ksmd", "ksm_start_scan", "seq 1") +
                             ev("ksmd", "ksm_stop_scan", "seq 1"),
                         "b.trace");
  CHECK(tb.warnings.size() == 1);
  const Result r = diff(ta, tb, {});
  CHECK(r.warnings.size() == 3);
  CHECK(r.warnings.back() == "b.trace:1: CPU:1 [EVENTS DROPPED]: the tracer lost events here");
  const std::string text = text_report(r, 3);
  CHECK_THAT(text, Contains("warning: a.trace:2: CPU:1 [LOST 12 EVENTS]"));
  CHECK_THAT(text, Contains("warning: b.trace:1: CPU:1 [EVENTS DROPPED]"));
  CHECK_THAT(json_report(r, 3),
             Contains("\"warnings\": [\"a.trace:2: CPU:1 [LOST 12 EVENTS]: the tracer lost events "
                      "here\", "));
  // Anything else in brackets is no lost-events line.
  CHECK_THROWS_WITH(parse("CPU:1 [LOST many EVENTS]\n"), Contains("t.trace:1: expected"));
  CHECK_THROWS_WITH(parse("CPU:x [LOST 3 EVENTS]\n"), Contains("t.trace:1: expected"));
}

TEST_CASE("marks: tracing_mark_write left out unless --marks", "[tracediff][marks]") {
  const std::string scan = ev("ksmd", "ksm_start_scan", "seq 1 rmap size 64");
  const Trace a = parse(ev("ksmd", "tracing_mark_write", "B|42|ksm_do_scan") + scan +
                            ev("ksmd", "tracing_mark_write", "E|42"),
                        "a.trace");
  const Trace b = parse(ev("bash", "tracing_mark_write", "start") + scan, "b.trace");
  const Trace bare = parse(scan, "bare.trace");

  const Result r = diff(a, b, {});
  CHECK(r.equivalent());
  CHECK(r.notes == std::vector<std::string>{"tracing_mark_write left out: markers are compared "
                                            "only with --marks (2 in A, 1 in B)"});
  CHECK_THAT(text_report(r, 3), Contains("tracing_mark_write       2       1  left out"));

  Options marks;
  marks.marks = true;
  const Result both = diff(a, b, marks);
  CHECK_FALSE(both.equivalent());
  CHECK(both.notes.empty());
  CHECK(both.only_a == 2);
  CHECK(both.only_b == 1);
  // With --marks, a side without any is still left out, as any other event.
  const Result one = diff(a, bare, marks);
  CHECK(one.equivalent());
  CHECK(one.notes ==
        std::vector<std::string>{"tracing_mark_write left out: only A has them (2 events)"});
}

TEST_CASE("cli: trace-cmd report, lost events and --marks", "[tracediff][cli]") {
  ScratchDir dir("trace-inputs");
  {
    std::ofstream f(dir.path / "live-head.trace");
    f << live_head(24);
  }
  const std::string both = "'" + kReport + "' " + dir.file("live-head.trace");
  const auto o = run_cli("diff " + both);
  CHECK(o.code == 0);
  CHECK_THAT(o.text, Contains("warning: " + kReport + ":14: CPU:1 [3 EVENTS DROPPED]"));
  CHECK_THAT(o.text, Contains("markers are compared only with --marks (1 in A, 1 in B)"));
  const auto marks = run_cli("diff " + both + " --marks");
  CHECK(marks.code == 0);
  CHECK_THAT(marks.text, Contains("equivalent: 24 events compared on each side"));
  const auto json = run_cli("diff " + both + " --json -");
  CHECK(json.code == 0);
  CHECK_THAT(json.text, Contains("\"warnings\": [\"" + kReport + ":14: CPU:1 [3 EVENTS DROPPED]"));

  // ksmsim's marks against the live program's, compared only when asked.
  REQUIRE(run_cli("run '" + kSource + "/tests/data/traces/live-merge-unmerge.yaml' --quiet " +
                  "--trace " + dir.file("sim.trace"))
              .code == 0);
  const std::string sim_live = dir.file("sim.trace") + " '" + kLiveTrace + "'";
  const auto ignored = run_cli("diff " + sim_live + " --only 'tracing_mark_*'");
  CHECK(ignored.code == 0);
  const auto compared = run_cli("diff " + sim_live + " --marks --only 'tracing_mark_*'");
  CHECK(compared.code == 1);
}
