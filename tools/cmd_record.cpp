// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim record FILE`: replay a scenario on the live kernel.
#include <fmt/format.h>
#include <iostream>

#include "ksmsim/record.h"
#include "ksmsim/scenario.h"
#include "tools/cli.h"
#include "tools/help.h"
#include "tools/stdio_args.h"

namespace ksmsim::cli {

int cmd_record(const std::vector<std::string> &args) {
  po::options_description opts("ksmsim record options");
  std::string trace_out, json_out;
  opts.add_options()("file", po::value<std::string>(), "the scenario")(
      "trace", po::value<std::string>(&trace_out), "write the kernel's trace to OUT")(
      "json", po::value<std::string>(&json_out), "write the per-step record as JSON to OUT");
  add_live_options(opts);
  if (int status = answer_help("record", args, opts); status >= 0)
    return status;
  po::variables_map vm;
  if (std::string err = parse_command(args, opts, vm); !err.empty())
    return usage_error("record: " + err);
  bool stdout_taken = false;
  if (std::string err =
          check_stdout_outputs({{"--trace", trace_out}, {"--json", json_out}}, &stdout_taken);
      !err.empty())
    return usage_error("record: " + err);
  if (int status = check_live(vm, "record"))
    return status;
  RecordOptions ro = live_record_options(vm, "record");
  RecordResult result;
  try {
    scenario::Scenario s = scenario::parse_file(vm["file"].as<std::string>());
    ro.kernel = live_kernel(vm, s);
    result = record_live(s, ro);
  } catch (const scenario::ScenarioError &e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::exception &e) { // the scenario could not be read; nothing was changed
    std::cerr << "ksmsim: record: " << e.what() << "\n";
    return 2;
  }
  std::cerr << result.notes("record");
  if (!result.error.empty() && result.steps.empty())
    return result.exit_code; // refused: nothing was recorded
  const std::vector<std::string> inputs = {vm["file"].as<std::string>()};
  for (const auto &[out, text] : {std::pair{trace_out, result.trace}, {json_out, result.json()}})
    if (std::string err = out.empty() ? "" : write_file(out, text, inputs); !err.empty()) {
      std::cerr << "ksmsim: record: " << err << "\n";
      return 2;
    }
  human_stream(stdout_taken) << result.summary();
  return result.exit_code;
}

} // namespace ksmsim::cli
