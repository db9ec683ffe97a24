// SPDX-License-Identifier: GPL-2.0-only
#include "sim/report/html_report.h"

#include <fmt/format.h>

#include <sstream>
#include <string>
#include <vector>

#include "html_report_js.h" // generated from sim/report/html_report.js

namespace ksmsim {

namespace {

using ojson = nlohmann::ordered_json;

const char *const COUNTERS[] = {"pages_shared", "pages_sharing", "pages_unshared", "pages_volatile",
                                "full_scans"};

// Graphviz's SVG from its <svg> element on (no XML declaration or doctype
// in the middle of the HTML).
std::string svg_element(const std::string &svg) {
  std::size_t at = svg.find("<svg");
  return at == std::string::npos ? svg : svg.substr(at);
}

std::string event_text(const ojson &o) {
  std::string kind = o.value("kind", "");
  std::string text = kind + ": " + o.value("function", "");
  if (o.contains("site"))
    text += " at " + o["site"].get<std::string>();
  if (o.contains("name"))
    text += " " + o["name"].get<std::string>();
  std::string message = o.value("message", "");
  return message.empty() ? text : text + ": " + message;
}

// The counters' series: the timeline's rows and the checkpoints (those
// not already in it), in time order.
// The counters the run's kernel has (its JSON's final lists them): a file
// the profile lacks (v2.6.32's pages_unshared, ...) gets no series.
std::vector<std::string> run_counters(const ojson &run) {
  std::vector<std::string> out;
  const ojson final_state = run.value("final", ojson::object());
  for (const char *c : COUNTERS)
    if (final_state.contains(c))
      out.push_back(c);
  return out;
}

ojson timeline(const RunResult &r, const ojson &checkpoints,
               const std::vector<std::string> &names) {
  std::vector<ojson> rows;
  std::istringstream lines(r.timeline_jsonl);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty())
      rows.push_back(ojson::parse(line));
  for (const ojson &c : checkpoints)
    if (c["kind"] != "sample") {
      ojson row = c["counters"];
      row["time_us"] = c["time_us"];
      rows.push_back(row);
    }
  std::stable_sort(rows.begin(), rows.end(), [](const ojson &a, const ojson &b) {
    return a["time_us"].get<std::uint64_t>() < b["time_us"].get<std::uint64_t>();
  });
  ojson out = {{"time_us", ojson::array()}, {"series", ojson::object()}};
  for (const std::string &c : names)
    out["series"][c] = ojson::array();
  for (const ojson &row : rows) {
    out["time_us"].push_back(row["time_us"]);
    for (const std::string &c : names)
      out["series"][c].push_back(row.value(c, std::uint64_t{0}));
  }
  return out;
}

// Each checkpoint with its expectation's outcome and its picture: the
// next SVG dump of its step.
void add_checkpoints(ojson &data, const ojson &run, const RunResult &r) {
  std::vector<bool> used(r.dumps.size(), false);
  int number = 0;
  for (const ojson &c : run.value("checkpoints", ojson::array())) {
    ojson cp = {{"number", ++number},        {"step", c["step"]},      {"line", c["line"]},
                {"kind", c["kind"]},         {"label", c["label"]},    {"time_us", c["time_us"]},
                {"counters", c["counters"]}, {"expectation", nullptr}, {"picture", -1},
                {"picture_error", ""}};
    for (const ojson &e : run.value("steps", ojson::array()))
      if (c["kind"] == "expect" && e["step"] == c["step"] && e["line"] == c["line"])
        cp["expectation"] = {{"result", e["result"]}, {"ok", e["ok"]}, {"failures", e["failures"]}};
    for (std::size_t i = 0; i < r.dumps.size(); i++) {
      const RunResult::Dump &d = r.dumps[i];
      if (used[i] || d.format != "svg" || d.step != c["step"].get<int>())
        continue;
      used[i] = true;
      if (d.error.empty()) {
        cp["picture"] = data["pictures"].size();
        data["pictures"].push_back(svg_element(d.text));
      } else {
        cp["picture_error"] = d.error;
      }
      break;
    }
    data["checkpoints"].push_back(cp);
  }
}

} // namespace

std::string want_report(RunOptions &ro) {
  if (ro.dump_format != "svg" && (ro.dump_each_checkpoint || !ro.dump_at.empty()))
    return fmt::format("the HTML report needs SVG dumps: --dump-format must be svg, not '{}'",
                       ro.dump_format);
  ro.dump_each_checkpoint = true;
  ro.dump_format = "svg";
  ro.timeline = true;
  return "";
}

ojson report_data(const scenario::Scenario &s, const std::string &file, const std::string &text,
                  const RunResult &r) {
  ojson run = ojson::parse(r.json);
  ojson data;
  data["format"] = "ksmsim-report-1";
  data["scenario"] = {{"name", s.name}, {"file", file}, {"text", text}};
  data["kernel"] = run.value("kernel", "");
  data["result"] = run.value("result", "");
  data["exit_code"] = r.exit_code;
  const std::vector<std::string> names = run_counters(run);
  data["counters"] = names;
  data["timeline"] = timeline(r, run.value("checkpoints", ojson::array()), names);
  data["steps"] = ojson::array();
  std::uint64_t start = 0;
  for (const RunResult::StepMark &m : r.step_marks) {
    const scenario::Step &st = s.steps.at(m.step - 1);
    data["steps"].push_back(
        {{"step", m.step}, {"line", m.line}, {"kind", m.kind}, {"time_us", st.at.value_or(start)}});
    start = m.time_us;
  }
  data["events"] = ojson::array();
  const std::pair<const char *, const char *> kinds[] = {
      {"oopses", "oops"}, {"warnings", "warning"}, {"detector_reports", "detected"}};
  for (const auto &[key, kind] : kinds)
    for (const ojson &o : run.value(key, ojson::array()))
      data["events"].push_back({{"kind", kind},
                                {"step", o["step"]},
                                {"time_us", o["time_us"]},
                                {"text", event_text(o)}});
  std::stable_sort(data["events"].begin(), data["events"].end(),
                   [](const ojson &a, const ojson &b) {
                     return a["time_us"].get<std::uint64_t>() < b["time_us"].get<std::uint64_t>();
                   });
  data["violations"] = run.value("invariant_violations", ojson::array());
  data["checkpoints"] = ojson::array();
  data["pictures"] = ojson::array();
  add_checkpoints(data, run, r);
  return data;
}

const char *chartjs_path() {
  return KSMSIM_CHARTJS_PATH;
}

std::string render_report(const ojson &data, const std::string &chart_js) {
  // Inside <script>: no "</" may close it early. In the JSON, '<' occurs
  // only inside strings, where \u003c means the same.
  std::string blob;
  for (char c : data.dump(1, ' ', false, nlohmann::json::error_handler_t::replace))
    blob += c == '<' ? std::string("\\u003c") : std::string(1, c);
  std::string lib = chart_js;
  for (std::size_t at; (at = lib.find("</script")) != std::string::npos;)
    lib.replace(at, 2, "<\\/");
  return fmt::format(R"(<!DOCTYPE html>
<!-- SPDX-License-Identifier: GPL-2.0-only -->
<!-- Made by ksmsim report (docs/report.md); Chart.js is MIT-licensed. -->
<html lang="en">
<head>
<meta charset="utf-8">
<title>ksmsim report</title>
<style>
body {{ font-family: sans-serif; margin: 1em 2em; color: #222; }}
h1 {{ font-size: 1.4em; margin-bottom: 0.2em; }}
h2 {{ font-size: 1.1em; margin-top: 1.4em; }}
.pass {{ color: #1a7f37; font-weight: bold; }}
.fail, .oops, .warning, .detected, .violation {{ color: #c62828; font-weight: bold; }}
#chart {{ position: relative; height: 360px; }}
table {{ border-collapse: collapse; }}
td, th {{ border: 1px solid #ccc; padding: 2px 8px; text-align: left; vertical-align: top;
  white-space: pre-wrap; font-size: 0.9em; }}
tr.selected {{ background: #e3f2fd; }}
tbody tr {{ cursor: pointer; }}
#slider {{ width: 60%; }}
#picture {{ border: 1px solid #ccc; overflow: auto; max-height: 80vh; padding: 4px; }}
pre {{ background: #f6f8fa; padding: 8px; overflow: auto; }}
</style>
</head>
<body>
<h1 id="title"></h1>
<div id="result"></div>
<h2>Counters over virtual time</h2>
<div id="chart"><canvas id="chart-canvas"></canvas></div>
<h2>Oopses, warnings, detector reports</h2>
<ul id="events"></ul>
<h2>Checkpoints</h2>
<table><thead><tr><th>#</th><th>step</th><th>line</th><th>kind</th><th>time</th><th>expectation</th>
<th>failures</th></tr></thead><tbody id="checkpoint-rows"></tbody></table>
<h2>The trees and rmap_items at a checkpoint</h2>
<input type="range" id="slider" min="0" max="0" step="1" value="0">
<div id="slider-label"></div>
<div id="picture"></div>
<h2>Scenario</h2>
<pre id="scenario-text"></pre>
<script type="application/json" id="ksmsim-data">{}</script>
<script>{}</script>
<script>{}</script>
</body>
</html>
)",
                     blob, lib, HTML_REPORT_JS);
}

} // namespace ksmsim
