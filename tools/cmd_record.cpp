// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim record FILE`: replay a scenario on the live kernel.
#include <fmt/format.h>
#include <iostream>

#include "ksmsim/record.h"
#include "ksmsim/scenario.h"
#include "tools/cli.h"

namespace ksmsim::cli {

int cmd_record(const std::vector<std::string> &args) {
  po::options_description opts("ksmsim record options");
  std::string trace_out, json_out;
  opts.add_options()("file", po::value<std::string>(), "the scenario")(
      "i-understand-this-changes-ksm", "allow changing the running kernel's KSM settings")(
      "live", "the same as --i-understand-this-changes-ksm")(
      "trace", po::value<std::string>(&trace_out), "write the kernel's trace to OUT")(
      "json", po::value<std::string>(&json_out), "write the per-step record as JSON to OUT");
  po::variables_map vm;
  if (std::string err = parse_command(args, opts, vm); !err.empty())
    return usage_error("record: " + err);
  if (!vm.count("i-understand-this-changes-ksm") && !vm.count("live"))
    return usage_error("record changes the running kernel's KSM state (every knob is saved and "
                       "restored): give --i-understand-this-changes-ksm (or --live)");
  RecordOptions ro;
  if (std::string why = record_preflight(ro); !why.empty()) {
    std::cerr << "ksmsim: record: " << why << "\n";
    return 2;
  }
  RecordResult result;
  try {
    result = record_live(scenario::parse_file(vm["file"].as<std::string>()), ro);
  } catch (const scenario::ScenarioError &e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::exception &e) {
    std::cerr << "ksmsim: record: " << e.what() << "\n";
    return 2;
  }
  if ((!trace_out.empty() && !write_file(trace_out, result.trace)) ||
      (!json_out.empty() && !write_file(json_out, result.json()))) {
    std::cerr << "ksmsim: record: cannot write an output file\n";
    return 2;
  }
  std::cout << result.summary();
  return result.exit_code;
}

} // namespace ksmsim::cli
