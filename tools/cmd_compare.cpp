// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim compare FILE`: the simulation and a live replay of the same
// scenario, side by side at every `expect:` checkpoint, then the trace diff.
#include <fmt/format.h>
#include <iostream>
#include <sstream>

#include "ksmsim/record.h"
#include "ksmsim/runner.h"
#include "ksmsim/scenario.h"
#include "ksmsim/tracediff.h"
#include "tools/cli.h"
#include "tools/help.h"
#include "tools/stdio_args.h"

namespace ksmsim::cli {

namespace {

std::string signed_text(std::uint64_t v, const std::string &name) {
  // general_profit and ksm_zero_pages are "%ld" in sysfs: two's complement here
  bool is_signed = name == "general_profit" || name == "ksm_zero_pages";
  return is_signed ? std::to_string(static_cast<std::int64_t>(v)) : std::to_string(v);
}

// The table of counters (and, where both sides have them, the per-mm
// /proc/PID/ksm_stat figures) at each checkpoint; returns how many differ.
int checkpoint_table(const RunResult &sim, const RecordResult &live, std::string *out) {
  int differ = 0;
  *out += fmt::format("{:>5} {:>5}  {:<22} {:>10} {:>10}\n", "step", "line", "counter", "simulated",
                      "live");
  for (const RunResult::Checkpoint &cp : sim.checkpoints) {
    if (cp.kind != "expect")
      continue; // dump: and sample: steps: nothing to compare with live
    const StepRecord *rec = nullptr;
    for (const StepRecord &r : live.steps)
      if (r.step == cp.step)
        rec = &r;
    if (!rec || rec->status.rfind("skipped", 0) == 0) {
      *out += fmt::format("{:>5} {:>5}  (not replayed live: {})\n", cp.step, cp.line,
                          rec ? rec->status : "no record");
      continue;
    }
    for (const auto &[name, value] : cp.counters) {
      auto it = rec->counters.find(name);
      bool same = it != rec->counters.end() && it->second == value;
      differ += !same;
      *out += fmt::format("{:>5} {:>5}  {:<22} {:>10} {:>10}{}\n", cp.step, cp.line, name,
                          signed_text(value, name),
                          it == rec->counters.end() ? "-" : signed_text(it->second, name),
                          same ? "" : "   <- differs");
    }
    for (const auto &[mm, stats] : cp.mm_stats) {
      auto lm = rec->mm_stats.find(mm);
      if (lm == rec->mm_stats.end())
        continue; // no /proc/PID/ksm_stat live (before 6.1, or the process is gone)
      for (const auto &[stat, value] : stats) {
        auto it = lm->second.find(stat);
        if (it == lm->second.end())
          continue; // a figure this kernel does not print
        bool same = it->second == value;
        differ += !same;
        *out += fmt::format("{:>5} {:>5}  {:<22} {:>10} {:>10}{}\n", cp.step, cp.line,
                            fmt::format("{} {}", mm, stat), value, it->second,
                            same ? "" : "   <- differs");
      }
    }
  }
  return differ;
}

// The profile the simulation ran, as --kernel or the scenario's kernel: names it.
std::string sim_profile(const scenario::Scenario &s, const po::variables_map &vm) {
  if (vm.count("kernel"))
    return profile_text(parse_profile_text(vm["kernel"].as<std::string>()));
  return profile_text(ProfileSpec{s.kernel.version, s.kernel.without});
}

tracediff::Trace trace_of(const std::string &text, const std::string &name) {
  std::istringstream in(text);
  return tracediff::parse_trace(in, name);
}

// The trace with every rmap_item, mm and pfn the same: the live kernel
// gives a freed ksm_rmap_item's or mm_struct's address (the slab) and a
// freed page's pfn to the next one allocated, so names by first appearance
// part where the simulation's objects are all new.
std::string without_identities(const std::string &text) {
  std::string out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::string norm;
    for (std::size_t i = 0; i < line.size();) {
      bool field = false;
      for (std::string_view key : {"rmap_item ", "mm ", "pfn "})
        if (line.compare(i, key.size(), key) == 0 && (i == 0 || line[i - 1] == ' ')) {
          norm.append(key);
          norm.push_back('-');
          i += key.size();
          while (i < line.size() && line[i] != ' ')
            i++;
          field = true;
          break;
        }
      if (!field)
        norm.push_back(line[i++]);
    }
    out += norm + "\n";
  }
  return out;
}

} // namespace

int cmd_compare(const std::vector<std::string> &args) {
  po::options_description opts("ksmsim compare options");
  std::string trace_dir;
  opts.add_options()("file", po::value<std::string>(),
                     "the scenario")("trace-dir", po::value<std::string>(&trace_dir),
                                     "also write simulated.trace and live.trace here");
  add_live_options(opts);
  if (int status = answer_help("compare", args, opts); status >= 0)
    return status;
  po::variables_map vm;
  if (std::string err = parse_command(args, opts, vm); !err.empty())
    return usage_error("compare: " + err);
  if (std::string err = check_directory({"--trace-dir", trace_dir}); !err.empty())
    return usage_error("compare: " + err);
  if (int status = check_live(vm, "compare"))
    return status;
  RecordOptions ro = live_record_options(vm, "compare");
  scenario::Scenario s;
  RunResult sim;
  RecordResult live;
  try {
    s = scenario::parse_file(vm["file"].as<std::string>());
    RunOptions opt;
    opt.trace = true;
    if (vm.count("kernel"))
      opt.kernel = vm["kernel"].as<std::string>();
    ro.kernel = live_kernel(vm, s);
    sim = run_scenario(s, opt);
  } catch (const scenario::ScenarioError &e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::exception &e) {
    std::cerr << "ksmsim: compare: " << e.what() << "\n";
    return 2;
  }
  live = record_live(s, ro); // never throws: restores on every way out
  std::cerr << live.notes("compare");
  if (!live.error.empty() && live.steps.empty())
    return live.exit_code; // refused: nothing was recorded
  for (const auto &[name, text] :
       {std::pair{"simulated.trace", &sim.trace}, {"live.trace", &live.trace}})
    if (std::string err = trace_dir.empty() ? ""
                                            : write_file(trace_dir + "/" + name, *text,
                                                         {vm["file"].as<std::string>()});
        !err.empty()) {
      std::cerr << "ksmsim: compare: " << err << "\n";
      return 2;
    }
  std::string out =
      fmt::format("compare {}: simulated (kernel {}) and live (Linux {}; {})\n\n", s.name,
                  sim_profile(s, vm), live.kernel_release,
                  live.pinned.empty() ? std::string("nothing pinned")
                                      : fmt::format("pinned {}", fmt::join(live.pinned, ", ")));
  int differ = checkpoint_table(sim, live, &out);
  out += fmt::format("\n{} counter(s) differ at the checkpoints\n\n", differ);
  tracediff::Options dopt;
  tracediff::Result d =
      tracediff::diff(trace_of(sim.trace, "simulated"), trace_of(live.trace, "live"), dopt);
  out += tracediff::text_report(d, dopt.context);
  if (d.first >= 0) {
    tracediff::Result r = tracediff::diff(trace_of(without_identities(sim.trace), "simulated"),
                                          trace_of(without_identities(live.trace), "live"), dopt);
    out += r.first < 0 ? "\nwith the rmap_item, mm and pfn values left out (the live kernel reuses "
                         "freed objects' addresses and pfns): equivalent\n"
                       : "\nwith the rmap_item, mm and pfn values left out: still different\n";
  }
  std::cout << out;
  if (live.exit_code == 2)
    return 2; // not all restored, or the recording failed
  return differ || live.interrupted ? 1 : 0;
}

} // namespace ksmsim::cli
