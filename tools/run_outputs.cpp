// SPDX-License-Identifier: GPL-2.0-only
#include "tools/run_outputs.h"

#include <fmt/format.h>

#include <filesystem>
#include <ostream>
#include <set>

#include "ksmsim/scenario.h"

namespace ksmsim::cli {

void add_inspect_options(po::options_description &opts, InspectArgs &a) {
  opts.add_options()("dump-at", po::value<std::string>(&a.dump_at),
                     "dump the KSM state after these steps: STEP[,STEP...]")(
      "dump-each", po::value<std::string>(&a.dump_each),
      "dump the KSM state after every checkpoint (expect, dump, sample): 'checkpoint'")(
      "dump-format", po::value<std::string>(&a.dump_format),
      "format of those dumps: text (default), json, dot or svg")(
      "dump-dir", po::value<std::string>(&a.dump_dir),
      "write dumps to DIR/step-NNN.EXT instead of stdout")(
      "timeline", po::value<std::string>(&a.timeline),
      "write the counters over time to OUT (CSV, or JSON Lines for OUT ending in .jsonl)")(
      "timeline-period", po::value<std::string>(&a.timeline_period),
      "a timeline row every MS of virtual time instead of after every ksmd batch");
}

std::string apply_inspect_options(const InspectArgs &a, RunOptions &ro) {
  std::string rest = a.dump_at;
  while (!rest.empty()) {
    std::size_t comma = rest.find(',');
    std::string item = rest.substr(0, comma);
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
    if (item.empty() || item.find_first_not_of("0123456789") != std::string::npos ||
        item.size() > 9)
      return fmt::format("--dump-at takes step numbers separated by commas, not '{}'", a.dump_at);
    ro.dump_at.push_back(std::stoi(item));
  }
  if (!a.dump_each.empty() && a.dump_each != "checkpoint")
    return fmt::format("--dump-each takes 'checkpoint', not '{}'", a.dump_each);
  ro.dump_each_checkpoint = !a.dump_each.empty();
  if (a.dump_format != "text" && a.dump_format != "json" && a.dump_format != "dot" &&
      a.dump_format != "svg")
    return fmt::format("--dump-format takes text, json, dot or svg, not '{}'", a.dump_format);
  ro.dump_format = a.dump_format;
  ro.timeline = !a.timeline.empty();
  if (!a.timeline_period.empty()) {
    std::optional<scenario::Micros> d = scenario::parse_duration(a.timeline_period);
    if (!d || *d == 0)
      return fmt::format("--timeline-period takes a duration (MS, or 250ms, 2s), not '{}'",
                         a.timeline_period);
    ro.timeline_period_us = *d;
  }
  return "";
}

namespace {
const char *extension(const std::string &format) {
  return format == "text" ? "txt" : format.c_str();
}
} // namespace

std::string write_inspect_outputs(const InspectArgs &a, const RunResult &r, std::ostream &out,
                                  const std::vector<std::string> &inputs) {
  std::set<std::string> used;
  for (const RunResult::Dump &d : r.dumps) {
    if (!d.error.empty())
      return fmt::format("dump at step {}: {}", d.step, d.error);
    std::string path = d.file;
    if (path.empty() && !a.dump_dir.empty()) {
      std::string base = fmt::format("step-{:03}", d.step);
      path = (std::filesystem::path(a.dump_dir) / fmt::format("{}.{}", base, extension(d.format)))
                 .string();
      for (int n = 2; used.count(path); n++)
        path = (std::filesystem::path(a.dump_dir) /
                fmt::format("{}-{}.{}", base, n, extension(d.format)))
                   .string();
    }
    if (path.empty() || path == "-") { // stdout, or stderr when an output took it
      out << d.text;
      continue;
    }
    used.insert(path);
    std::error_code ec;
    std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (!parent.empty())
      std::filesystem::create_directories(parent, ec);
    if (std::string err = write_file(path, d.text, inputs); !err.empty())
      return err;
  }
  if (!a.timeline.empty()) {
    bool jsonl = a.timeline.size() >= 6 && a.timeline.substr(a.timeline.size() - 6) == ".jsonl";
    if (std::string err = write_file(a.timeline, jsonl ? r.timeline_jsonl : r.timeline_csv, inputs);
        !err.empty())
      return err;
  }
  return "";
}

} // namespace ksmsim::cli
