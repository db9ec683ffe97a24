// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim run --trace OUT --trace-format chrome-json` (sim/trace/
// chrome_json.h) against the Trace Event Format's definition (Google's
// "Trace Event Format" document, the one chrome://tracing and Perfetto's
// JSON importer follow): a "traceEvents" array; every event with name, ph,
// ts (µs), pid and tid; "B"/"E" slices matched per thread; "C" counters
// with their values in args; "i" instants with a scope; "M" metadata
// naming processes and threads. Then: every ftrace event is there, the
// counters end at the run's final summary, and two runs give the same bytes.

#include "catch.h"

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "ksmsim/runner.h"
#include "ksmsim/scenario.h"
#include "tests/run_cli.h"

using namespace ksmsim;
using json = nlohmann::json;
using catch_compat::Contains;

namespace {

const std::string kSource = KSMSIM_SOURCE_DIR;
const std::string kScenario = kSource + "/tests/data/traces/live-merge-unmerge.yaml";

RunResult run(const std::string &path, TraceFormat format) {
  RunOptions ro;
  ro.trace = true;
  ro.trace_format = format;
  return run_scenario(scenario::parse_file(path), ro);
}

// "final at 12 ms: pages_shared 1, pages_sharing 31, ..." from the summary.
std::map<std::string, std::int64_t> final_counters(const std::string &summary) {
  std::map<std::string, std::int64_t> out;
  const size_t at = summary.find("final at ");
  REQUIRE(at != std::string::npos);
  const size_t colon = summary.find(": ", at) + 2;
  std::istringstream in(summary.substr(colon, summary.find('\n', at) - colon));
  for (std::string name, value; in >> name >> value;)
    out[name] = std::stoll(value);
  return out;
}

// Event lines of an ftrace text trace that are no markers.
int ftrace_events(const std::string &trace) {
  int n = 0;
  std::istringstream in(trace);
  for (std::string line; std::getline(in, line);)
    n += !line.empty() && line[0] != '#' && line.find(": tracing_mark_write: ") == line.npos;
  return n;
}

void check_fields(const json &e) {
  INFO(e.dump());
  REQUIRE(e.is_object());
  REQUIRE(e.contains("name"));
  CHECK(e["name"].is_string());
  REQUIRE(e.contains("ph"));
  REQUIRE(e["ph"].is_string());
  REQUIRE(e.contains("ts"));
  CHECK(e["ts"].is_number());
  REQUIRE(e.contains("pid"));
  CHECK(e["pid"].is_number_integer());
  REQUIRE(e.contains("tid"));
  CHECK(e["tid"].is_number_integer());
  const std::string ph = e["ph"];
  CHECK(std::set<std::string>{"B", "E", "C", "i", "M"}.count(ph));
  if (ph == "C") {
    REQUIRE(e.contains("args"));
    REQUIRE(e["args"].is_object());
    CHECK_FALSE(e["args"].empty());
    for (const auto &[k, v] : e["args"].items())
      CHECK(v.is_number());
  }
  if (ph == "i") {
    CHECK(std::set<std::string>{"t", "p", "g"}.count(e.value("s", "")));
    CHECK(e["args"]["text"].is_string());
  }
  if (ph == "M") {
    CHECK(std::set<std::string>{"process_name", "thread_name"}.count(e["name"]));
    CHECK(e["args"]["name"].is_string());
  }
}

} // namespace

TEST_CASE("chrome-json: the Trace Event Format's fields, slices and counters",
          "[trace][chrome-json]") {
  const RunResult r = run(kScenario, TraceFormat::chrome_json);
  const json doc = json::parse(r.trace);
  REQUIRE(doc.is_object());
  CHECK(std::set<std::string>{"ms", "ns"}.count(doc.value("displayTimeUnit", "")));
  REQUIRE(doc["traceEvents"].is_array());
  std::map<std::pair<int, int>, std::vector<std::string>> open; // (pid, tid) -> slices
  std::map<std::string, std::int64_t> counters;
  std::set<int> named, used;
  std::map<std::string, int> phases;
  std::uint64_t last_ts = 0;
  for (const json &e : doc["traceEvents"]) {
    check_fields(e);
    const std::string ph = e["ph"], name = e["name"];
    const int pid = e["pid"], tid = e["tid"];
    phases[ph]++;
    if (ph == "M") {
      if (name == "process_name")
        named.insert(pid);
      continue;
    }
    used.insert(pid);
    used.insert(tid);
    const std::uint64_t ts = e["ts"];
    CHECK(ts >= last_ts);
    last_ts = ts;
    if (ph == "B")
      open[{pid, tid}].push_back(name);
    if (ph == "E") {
      INFO(e.dump());
      REQUIRE_FALSE(open[{pid, tid}].empty());
      CHECK(open[{pid, tid}].back() == name);
      open[{pid, tid}].pop_back();
    }
    if (ph == "C")
      counters[name] = e["args"]["value"];
  }
  for (const auto &[thread, names] : open)
    CHECK(names.empty());
  CHECK(phases["B"] == phases["E"]);
  CHECK(phases["B"] > 0);
  CHECK(phases["C"] > 0);
  for (int pid : used) {
    INFO("pid " << pid);
    CHECK(named.count(pid));
  }
  CHECK(counters == final_counters(r.summary));
  // Every ksm_* and ksmsim_* event of the ftrace text is an instant.
  CHECK(phases["i"] == ftrace_events(run(kScenario, TraceFormat::ftrace).trace));
}

TEST_CASE("chrome-json: deterministic, and chosen on the command line", "[trace][chrome-json]") {
  CHECK(run(kScenario, TraceFormat::chrome_json).trace ==
        run(kScenario, TraceFormat::chrome_json).trace);
  test::ScratchDir dir("chrome-json");
  const std::string scn = "'" + kScenario + "' --quiet --trace ";
  REQUIRE(test::run_cli("run " + scn + dir.file("a.json") + " --trace-format chrome-json").code ==
          0);
  REQUIRE(test::run_cli("run " + scn + dir.file("b.json") + " --trace-format chrome-json").code ==
          0);
  const std::string a = dir.slurp("a.json");
  CHECK(a == dir.slurp("b.json"));
  CHECK(json::parse(a)["traceEvents"].size() > 100);
  CHECK_THAT(a, Contains("{\"args\":{\"name\":\"ksmd\"},\"name\":\"process_name\",\"ph\":\"M\","
                         "\"pid\":42,\"tid\":42,\"ts\":0}"));
  REQUIRE(test::run_cli("run " + scn + dir.file("c.trace")).code == 0);
  CHECK(dir.slurp("c.trace").rfind("# tracer: nop\n", 0) == 0); // ftrace by default
  const auto bad = test::run_cli("run " + scn + dir.file("d") + " --trace-format svg");
  CHECK(bad.code == 2);
  CHECK_THAT(bad.text, Contains("--trace-format takes ftrace or chrome-json, not 'svg'"));
}
