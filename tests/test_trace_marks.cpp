// SPDX-License-Identifier: GPL-2.0-only
//
// The tracing_mark_write markers in ksmsim's ftrace text trace
// (model/lib/trace_marks.h), checked against the grammar of the parser that
// reads them, Perfetto's ftrace text importer (google/perfetto,
// src/trace_processor/importers/systrace/): the line as
// SystraceLineTokenizer::Tokenize (systrace_line_tokenizer.cc) matches it,
// the marker as ParseSystraceTracePoint (systrace_parser.h) accepts it.
// Slices balanced per thread, counter values integers, marked only on a
// change, ending at the run's final counters.

#include "catch.h"

#include <map>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "ksmsim/runner.h"
#include "ksmsim/scenario.h"
#include "model/lib/trace_marks.h"

using namespace ksmsim;

namespace {

const std::string kSource = KSMSIM_SOURCE_DIR;

RunResult run(const std::string &scenario) {
  RunOptions ro;
  ro.trace = true;
  return run_scenario(scenario::parse_file(kSource + "/" + scenario), ro);
}

// SystraceLineTokenizer's regex (systrace_line_tokenizer.cc), searched in
// the line: pid, tgid column, cpu, up to 5 flags, timestamp, event name.
const std::regex kLine(R"(-(\d+)\s+\(?\s*(\d+|-+)?\)?\s?\[(\d+)\]\s*)"
                       R"([a-zA-Z0-9.]{0,5}\s*(\d+\.\d+):\s+(\S+):)");
// ParseSystraceTracePoint (systrace_parser.h): 'B' needs a tgid and takes
// the rest as the name; 'E' a tgid here (ksmsim always writes it); 'C' a
// tgid, a non-empty name and a value base::StringToInt64 reads.
const std::regex kBegin(R"(B\|(\d+)\|(.+))");
const std::regex kEnd(R"(E\|(\d+))");
const std::regex kCounter(R"(C\|(\d+)\|([^|]+)\|(-?\d+))");

// "final at 12 ms: pages_shared 1, pages_sharing 31, ..." from the summary.
std::map<std::string, std::string> final_counters(const std::string &summary) {
  std::map<std::string, std::string> out;
  const size_t at = summary.find("final at ");
  REQUIRE(at != std::string::npos);
  std::istringstream in(summary.substr(summary.find(": ", at) + 2,
                                       summary.find('\n', at) - summary.find(": ", at) - 2));
  for (std::string name, value; in >> name >> value;)
    out[name] = value.back() == ',' ? value.substr(0, value.size() - 1) : value;
  return out;
}

struct Marks {
  int begins = 0, steps = 0, batches = 0, counters = 0, ksmsim_steps = 0;
  std::map<std::string, std::string> last; // counter -> its last value
};

Marks check_marks(const std::string &trace) {
  Marks m;
  std::map<std::string, std::vector<std::string>> open; // pid -> open slices
  std::istringstream in(trace);
  for (std::string line; std::getline(in, line);) {
    if (line.find("ksmsim_step: ") != std::string::npos)
      m.ksmsim_steps++;
    if (line.find("tracing_mark_write") == std::string::npos)
      continue;
    INFO(line);
    std::smatch l;
    REQUIRE(std::regex_search(line, l, kLine));
    CHECK(l[5].str() == "tracing_mark_write");
    const std::string pid = l[1].str();
    const std::string mark = line.substr(l.position(0) + l.length(0) + 1);
    std::smatch f;
    if (std::regex_match(mark, f, kBegin)) {
      CHECK(f[1].str() == pid); // each task is its own process
      open[pid].push_back(f[2].str());
      m.begins++;
      m.steps += std::regex_match(f[2].str(), std::regex(R"(step \d+ [a-z]+)"));
      m.batches += f[2].str() == "ksm_do_scan";
    } else if (std::regex_match(mark, f, kEnd)) {
      CHECK(f[1].str() == pid);
      REQUIRE_FALSE(open[pid].empty());
      open[pid].pop_back();
    } else if (std::regex_match(mark, f, kCounter)) {
      CHECK(f[1].str() == "42"); // ksmd's process
      auto [it, fresh] = m.last.try_emplace(f[2].str(), f[3].str());
      CHECK((fresh || it->second != f[3].str())); // marked only on a change
      it->second = f[3].str();
      m.counters++;
    } else {
      FAIL("not a B|, E| or C| marker: " << mark);
    }
  }
  for (const auto &[pid, names] : open) {
    INFO("pid " << pid);
    CHECK(names.empty());
  }
  return m;
}

} // namespace

TEST_CASE("marks: Perfetto's grammar, balanced slices, final counters", "[trace][marks]") {
  for (const char *scenario :
       {"tests/data/traces/live-merge-unmerge.yaml", "scenarios/basics/fork-cow.yaml",
        "scenarios/regressions/swapin-behind-unmerge-cursor.yaml",
        "scenarios/basics/run2-unmerge-remerge.yaml"}) {
    INFO(scenario);
    const RunResult r = run(scenario);
    const Marks m = check_marks(r.trace);
    CHECK(m.steps == m.ksmsim_steps); // a slice for every step performed
    CHECK(m.batches > 0);
    CHECK(m.begins == m.steps + m.batches);
    CHECK(m.counters >= 5);
    const auto final = final_counters(r.summary);
    CHECK(final.size() == 5);
    CHECK(m.last == final);
  }
}

TEST_CASE("marks: the same scenario, the same marks", "[trace][marks]") {
  const RunResult a = run("tests/data/traces/live-merge-unmerge.yaml");
  const RunResult b = run("tests/data/traces/live-merge-unmerge.yaml");
  CHECK(a.trace == b.trace);
  CHECK_THAT(a.trace, catch_compat::Contains("tracing_mark_write: B|1000|step 2 spawn\n"));
}

TEST_CASE("marks: a slice ends when an oops unwinds it, counters only on a change",
          "[trace][marks]") {
  Trace t;
  t.enable();
  TraceMarks marks(t);
  std::uint64_t now = 5;
  const Task task{"A", 1000, 0};
  try {
    MarkedSlice slice(marks, task, now, "step 1 write");
    now = 7;
    throw std::runtime_error("an oops");
  } catch (const std::runtime_error &) {
  }
  marks.counters(task, 8, 42, {{"pages_shared", 1}, {"full_scans", 0}});
  marks.counters(task, 9, 42, {{"pages_shared", 1}, {"full_scans", 1}});
  const std::string text = t.file_text(2);
  const std::string head = "               A-1000    [000] .....     0.0000";
  CHECK_THAT(text, catch_compat::EndsWith(head + "05: tracing_mark_write: B|1000|step 1 write\n" +
                                          head + "07: tracing_mark_write: E|1000\n" + head +
                                          "08: tracing_mark_write: C|42|pages_shared|1\n" + head +
                                          "08: tracing_mark_write: C|42|full_scans|0\n" + head +
                                          "09: tracing_mark_write: C|42|full_scans|1\n"));
  CHECK(t.entries() == 5);
}
