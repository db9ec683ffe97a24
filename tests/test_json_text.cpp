// SPDX-License-Identifier: GPL-2.0-only
//
// The project's JSON as text (sim/report/json_text.h): the two layouts,
// integers kept, and bytes that are not UTF-8 (0xff) in a sample label,
// in a trace's comm and text (diff --json) and in a live recording
// (record --json): always valid JSON, with U+FFFD in their place.

#include "tests/catch.h"

#include <nlohmann/json.hpp>

#include <sstream>

#include "inspect_helpers.h"
#include "ksmsim/record.h"
#include "ksmsim/tracediff.h"
#include "sim/report/json_text.h"
#include "sim/report/report.h"
#include "tests/run_cli.h"

using namespace ksmsim;

namespace {
const std::string FFFD = "\xef\xbf\xbd"; // U+FFFD in UTF-8
}

TEST_CASE("json: inline layout, integers kept", "[json]") {
  const ojson v = {{"step", 3},
                   {"big", UINT64_MAX},
                   {"ok", true},
                   {"none", nullptr},
                   {"failures", {"a", "b"}},
                   {"empty", ojson::object()},
                   {"list", ojson::array()}};
  CHECK(json_inline(v) == R"({"step": 3, "big": 18446744073709551615, "ok": true, "none": null, )"
                          R"("failures": ["a", "b"], "empty": {}, "list": []})");
  CHECK(json_quoted("a\"b\\c\n\t\x01") == R"("a\"b\\c\n\t\u0001")");
}

TEST_CASE("json: a document spreads the top level and the paths asked for", "[json]") {
  const ojson v = {{"a", 1},
                   {"rows", {{{"x", 1}}, {{"x", 2}}}},
                   {"first", {{"b", 2}, {"rows", {1, 2}}}},
                   {"none", ojson::array()},
                   {"inline", {1, 2}}};
  CHECK(json_document(v, {"/rows", "/first", "/first/rows", "/none"}) == "{\n"
                                                                         "  \"a\": 1,\n"
                                                                         "  \"rows\": [\n"
                                                                         "    {\"x\": 1},\n"
                                                                         "    {\"x\": 2}\n"
                                                                         "  ],\n"
                                                                         "  \"first\": {\n"
                                                                         "    \"b\": 2,\n"
                                                                         "    \"rows\": [\n"
                                                                         "      1,\n"
                                                                         "      2\n"
                                                                         "    ]\n"
                                                                         "  },\n"
                                                                         "  \"none\": [],\n"
                                                                         "  \"inline\": [1, 2]\n"
                                                                         "}\n");
}

TEST_CASE("json: bytes that are not UTF-8 become U+FFFD", "[json]") {
  CHECK(json_quoted("x\xffy") == "\"x" + FFFD + "y\"");
  CHECK(json_quoted("\xc3") == "\"" + FFFD + "\"");       // a sequence cut short
  CHECK(json_quoted("caf\xc3\xa9") == "\"caf\xc3\xa9\""); // valid UTF-8 stays
  CHECK(valid_utf8("a\xff\xfe") == "a" + FFFD + FFFD);
  CHECK(nlohmann::json::parse(json_inline({{"k\xff", "v\xff"}})).begin().key() == "k" + FFFD);
}

TEST_CASE("json: run --json and the timeline with a 0xff byte in a sample label", "[json]") {
  RunOptions o;
  o.timeline = true;
  RunResult r =
      inspect_test::run_file(inspect_test::source("tests/data/json/label-with-byte-ff.yaml"), o);
  CHECK(r.exit_code == 0);
  const nlohmann::json j = nlohmann::json::parse(r.json);        // throws on invalid UTF-8
  CHECK(ojson::parse(r.json).begin().key() == "format_version"); // first
  CHECK(j["format_version"] == RUN_JSON_FORMAT_VERSION);
  CHECK(j["checkpoints"][0]["label"] == "x" + FFFD + "y");
  std::istringstream lines(r.timeline_jsonl);
  std::string line, label;
  while (std::getline(lines, line))
    if (nlohmann::json row = nlohmann::json::parse(line); row["kind"] == "sample")
      label = row["label"];
  CHECK(label == "x" + FFFD + "y");
}

TEST_CASE("json: diff --json with 0xff in a comm and in the event text", "[json][tracediff]") {
  std::istringstream a("  ksm\xff"
                       "demo-1 [001] ..... 1.000: ksm_enter: mm 00000000000000aa\n"
                       "  ksmd-37 [001] ..... 1.001: ksm_start_scan: seq 0 rmap size \xff\n");
  std::istringstream b("  ksmdemo-1 [001] ..... 1.000: ksm_enter: mm 00000000000000aa\n"
                       "  ksmd-37 [001] ..... 1.001: ksm_start_scan: seq 0 rmap size 1\n");
  tracediff::Options opt;
  opt.keep_tasks = true;
  const tracediff::Result r = tracediff::diff(tracediff::parse_trace(a, "a\xff.trace"),
                                              tracediff::parse_trace(b, "b"), opt);
  const nlohmann::json j = nlohmann::json::parse(tracediff::json_report(r, 3));
  CHECK(j["a"] == "a" + FFFD + ".trace");
  bool saw_comm = false, saw_text = false;
  for (const auto &row : j["first_divergence"]["rows"]) {
    const std::string text = row["text"];
    saw_comm |= text.find("ksm" + FFFD + "demo") != std::string::npos;
    saw_text |= text.find("rmap size " + FFFD) != std::string::npos;
  }
  CHECK(saw_comm);
  CHECK(saw_text);
}

TEST_CASE("json: record --json with 0xff from the live kernel", "[json][record]") {
  RecordResult r;
  r.kernel_release = "6.18.0-\xff";
  r.pinned = {"merge_across_nodes=1"};
  StepRecord st;
  st.step = 1;
  st.line = 4;
  st.kind = "expect";
  st.status = "done";
  st.counters = {{"pages_shared", 1}};
  st.failures = {"comm \xff is not A"};
  r.steps.push_back(st);
  const nlohmann::json j = nlohmann::json::parse(r.json());
  CHECK(j["kernel_release"] == "6.18.0-" + FFFD);
  CHECK(j["steps"][0]["failures"][0] == "comm " + FFFD + " is not A");
  CHECK(j["steps"][0]["counters"]["pages_shared"] == 1);
}

TEST_CASE("json: ksmsim report reads back a run --json with a 0xff label", "[json][cli]") {
  // It parses the run's JSON: before U+FFFD, ill-formed UTF-8 aborted it.
  ksmsim::test::ScratchDir dir("json-ff-report");
  const auto r = ksmsim::test::run_cli(
      "report '" + inspect_test::source("tests/data/json/label-with-byte-ff.yaml") + "' -o " +
      dir.file("ff.html"));
  CHECK(r.code == 0);
  CHECK(dir.slurp("ff.html").find("x" + FFFD + "y") != std::string::npos);
}
